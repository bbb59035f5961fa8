//! Every sortable column shows its sort arrow whole, also where the title fills the
//! column (`READY▲` in a 5-wide column, `MEM REQ▼` in a 7-wide one).

use crate::kube_render::{data, key, state};
use kitops_top::ui::render_to_string;

const PODS: &[&str] = &[
    "NAME", "READY", "STATUS", "RESTARTS", "AGE", "CPU", "CPU%R/L", "MEM", "MEM%R/L", "NODE",
];
const NODES: &[&str] = &[
    "NODE",
    "MEM USED",
    "USED/ALLOC",
    "MEM REQ",
    "MEM LIM",
    "CPU",
    "CPU REQ",
    "CPU LIM",
    "PODS",
    "CONDITIONS",
];

fn cycle(focus: char, titles: &[&str]) {
    let mut st = state(data());
    key(&mut st, focus);
    key(&mut st, 'z');
    for title in titles {
        for arrow in ['▲', '▼'] {
            key(&mut st, 'o');
            let screen = render_to_string(&st, 200, 60);
            assert!(
                screen.contains(&format!("{title}{arrow}")),
                "{title}{arrow} not whole in:\n{screen}"
            );
        }
    }
}

#[test]
fn the_pods_panes_sort_arrows_fit() {
    cycle('1', PODS);
}

#[test]
fn the_nodes_panes_sort_arrows_fit() {
    cycle('2', NODES);
}
