//! `enter` on a node: each condition with the kubelet's reason and message, and the
//! pods on that node with their memory, most first.

use crossterm::event::KeyCode;
use kitops_top::app::PaneId;
use kitops_top::ui::render_to_string;

use crate::kube_render;

#[test]
fn node_details_show_condition_reasons_and_the_pods_on_it() {
    let mut st = kube_render::state(kube_render::data());
    kube_render::key(&mut st, '2');
    assert_eq!(st.focus, PaneId::Nodes);
    st.pane_mut(PaneId::Nodes).table.selected_key = Some("node:ip-10-0-2-33".into());
    kube_render::press(&mut st, KeyCode::Enter);
    let screen = render_to_string(&st, 200, 60);
    for want in [
        "condition MemoryPressure: True · KubeletHasInsufficientMemory: kubelet has insufficient memory available",
        "condition Ready: True · KubeletReady: kubelet is posting ready status",
        "pods on this node: 3, most memory first",
    ] {
        assert!(screen.contains(want), "{want:?} in\n{screen}");
    }
    let pods: Vec<&str> = screen
        .lines()
        .filter(|l| {
            l.contains("kitops/kitops-backend-7d9f8c6b5-x4v8d") || l.contains("kitops/debug-shell")
        })
        .collect();
    assert_eq!(pods.len(), 2, "{screen}");
    assert!(
        pods[0].contains("x4v8d") && pods[0].contains("230Mi"),
        "{pods:?}"
    );
    assert!(
        pods[1].contains("debug-shell"),
        "most memory first: {pods:?}"
    );
    insta::assert_snapshot!("node_details_200x60", screen);
    insta::assert_snapshot!("node_details_80x24", render_to_string(&st, 80, 24));
}
