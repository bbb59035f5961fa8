//! The executors: the only code that changes anything on a server. Each source's
//! module runs that source's actions; `executor` is the one path to them (read-only
//! gate, audit, dispatch by source), and `audit` the log every attempt is written to.
//! What an action is and how it is described lives in `app::action`: `act` depends on
//! `app`, never the other way round.

pub mod audit;
pub mod aws;
pub mod executor;
pub mod incident_store;
pub mod kube;
pub mod postgres;
pub mod redis;

pub use executor::Executor;
