//! kubeconfig generation.

use std::net::SocketAddr;

/// A kubeconfig with cluster, user and context all named `kube-sim`.
pub fn render(addr: SocketAddr, token: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: kube-sim
  cluster:
    server: http://{addr}
users:
- name: kube-sim
  user:
    token: {token}
contexts:
- name: kube-sim
  context:
    cluster: kube-sim
    user: kube-sim
    namespace: {namespace}
current-context: kube-sim
preferences: {{}}
"
    )
}
