//! Initial cluster contents: namespaces, nodes, deployments (and via the controller, RS and pods).

use crate::controller::{self, Config};
use crate::objects;
use crate::store::{Kind, Store};
use std::time::Duration;

pub const NAMESPACE: &str = "kitops";

struct Plan {
    name: String,
    replicas: usize,
    container: &'static str,
    image: &'static str,
    req: (&'static str, &'static str),
    lim: (&'static str, &'static str),
}

fn plan(pods: usize) -> Vec<Plan> {
    let backend = pods.min(5);
    let frontend = (pods - backend).min(3);
    let mut out = vec![
        Plan {
            name: "kitops-backend".into(),
            replicas: backend,
            container: "backend",
            image: "ghcr.io/kitops/backend:1.14.2",
            req: ("250m", "256Mi"),
            lim: ("1", "512Mi"),
        },
        Plan {
            name: "kitops-frontend".into(),
            replicas: frontend,
            container: "frontend",
            image: "ghcr.io/kitops/frontend:1.14.2",
            req: ("100m", "128Mi"),
            lim: ("500m", "256Mi"),
        },
    ];
    let mut rest = pods - backend - frontend;
    let mut k = 1;
    while rest > 0 {
        let n = rest.min(50);
        out.push(Plan {
            name: format!("kitops-worker-{k:02}"),
            replicas: n,
            container: "worker",
            image: "ghcr.io/kitops/worker:1.14.2",
            req: ("50m", "64Mi"),
            lim: ("200m", "128Mi"),
        });
        rest -= n;
        k += 1;
    }
    out
}

pub fn seed(st: &mut Store, cfg: &Config, pods: usize, nodes: usize) {
    st.record = false;
    for ns in ["default", "kube-system", NAMESPACE] {
        let uid = st.next_uid();
        st.upsert(Kind::Namespace, objects::namespace(ns, uid));
    }
    for i in 0..nodes {
        let uid = st.next_uid();
        let (cpu, mem) = if i % 3 == 2 { (16, 64) } else { (8, 32) };
        st.upsert(
            Kind::Node,
            objects::node(&format!("kube-sim-node-{i}"), uid, i, cpu, mem),
        );
    }
    for p in plan(pods) {
        let t = objects::pod_template(&p.name, p.container, p.image, p.req, p.lim);
        controller::add_deployment(st, NAMESPACE, &p.name, p.replicas as i64, t);
    }
    let instant = Config {
        pod_startup: Duration::ZERO,
        ..cfg.clone()
    };
    controller::reconcile(st, &instant);
    controller::reconcile(st, &instant);
    st.record = true;
}
