//! The executor's tasks: one per source, each with its own queue, so a frozen
//! PostgreSQL server cannot hold a Redis or Kubernetes action behind it. Outcomes come
//! back to the reducer as events.

use tokio::sync::mpsc;

use crate::act::Executor;
use crate::app::action::Action;
use crate::app::Event;
use crate::config::Config;

/// What an executor task is asked to do.
enum Job {
    /// A confirmed action, and the id of the incident open when it was confirmed.
    Run(Action, Option<String>),
    Validate(Action),
}

impl Job {
    fn into_action(self) -> Action {
        match self {
            Job::Run(a, _) | Job::Validate(a) => a,
        }
    }
}

/// Room for a few confirmed actions per source; more is a user hammering `y`.
const QUEUE: usize = 4;

pub struct ActionQueues {
    kube: mpsc::Sender<Job>,
    pg: mpsc::Sender<Job>,
    redis: mpsc::Sender<Job>,
    aws: mpsc::Sender<Job>,
}

fn spawn_one(config: &Config, events: mpsc::Sender<Event>) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
    let mut executor = Executor::new(config);
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let event = match job {
                Job::Run(action, incident) => {
                    let outcome = executor.run_during(&action, incident.as_deref()).await;
                    Event::Outcome { action, outcome }
                }
                Job::Validate(action) => {
                    let outcome = executor.validate(&action).await;
                    Event::Validated { action, outcome }
                }
            };
            if events.send(event).await.is_err() {
                return;
            }
        }
    });
    tx
}

impl ActionQueues {
    pub fn spawn(config: &Config, events: &mpsc::Sender<Event>) -> Self {
        Self {
            kube: spawn_one(config, events.clone()),
            pg: spawn_one(config, events.clone()),
            redis: spawn_one(config, events.clone()),
            aws: spawn_one(config, events.clone()),
        }
    }

    fn queue(&self, action: &Action) -> &mpsc::Sender<Job> {
        match action {
            Action::Kube(_) => &self.kube,
            Action::Pg(_) => &self.pg,
            Action::Redis(_) => &self.redis,
            Action::Aws(_) => &self.aws,
        }
    }

    /// Queues a confirmed action with no incident open; gives it back when its
    /// source's queue is full.
    pub fn run(&self, action: Action) -> Result<(), Box<Action>> {
        self.run_during(action, None)
    }

    /// `run`, audited under `incident` (the id of the incident open when it was confirmed).
    pub fn run_during(&self, action: Action, incident: Option<String>) -> Result<(), Box<Action>> {
        self.queue(&action)
            .try_send(Job::Run(action, incident))
            .map_err(|e| Box::new(e.into_inner().into_action()))
    }

    /// Best effort: the executor dry-runs again right before applying anyway.
    pub fn validate(&self, action: Action) {
        let _ = self.queue(&action).try_send(Job::Validate(action));
    }
}
