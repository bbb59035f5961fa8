//! The pods pane's columns: direct sort keys (`M` memory, `P` CPU, `T` restarts; the
//! same key again reverses), NAME as wide as the room allows, MEM kept at 120x36 and
//! RESTARTS at 80x24.

use kitops_top::app::PaneId;
use kitops_top::ui::render_to_string;
use kitops_top::view::panes::pods::{COL_CPU, COL_MEM, COL_RESTARTS};

use crate::kube_render;

/// The pods pane's header line on screen.
fn header(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains("NAME") && l.contains("READY"))
        .unwrap_or_else(|| panic!("no pods header:\n{screen}"))
        .to_string()
}

fn first_row_text(st: &kitops_top::app::State, col: usize) -> String {
    let table = &st.pane(PaneId::Pods).table;
    let now = st
        .now
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    table.content.rows[table.visible[0]]
        .text(col, now)
        .into_owned()
}

#[test]
fn sort_keys_sort_by_their_column_and_reverse_on_the_second_press() {
    let mut st = kube_render::state(kube_render::data());
    kube_render::key(&mut st, 'M');
    assert_eq!(st.pane(PaneId::Pods).table.sort, Some((COL_MEM, true)));
    assert!(header(&render_to_string(&st, 200, 60)).contains("MEM▼"));
    assert_eq!(first_row_text(&st, COL_MEM), "488Mi", "most memory first");
    kube_render::key(&mut st, 'M');
    assert_eq!(st.pane(PaneId::Pods).table.sort, Some((COL_MEM, false)));
    assert!(header(&render_to_string(&st, 200, 60)).contains("MEM▲"));
    kube_render::key(&mut st, 'T');
    assert_eq!(st.pane(PaneId::Pods).table.sort, Some((COL_RESTARTS, true)));
    let screen = render_to_string(&st, 80, 24);
    assert!(header(&screen).contains("RESTARTS▼"), "{screen}");
    assert!(
        first_row_text(&st, COL_RESTARTS).starts_with("14 "),
        "most restarts first"
    );
    kube_render::key(&mut st, 'P');
    assert_eq!(st.pane(PaneId::Pods).table.sort, Some((COL_CPU, true)));
    insta::assert_snapshot!("pods_sorted_by_cpu_80x24", render_to_string(&st, 80, 24));
}

#[test]
fn restarts_at_80x24_mem_at_120x36_and_name_widens_with_room() {
    let mut st = kube_render::state(kube_render::data());
    let small = header(&render_to_string(&st, 80, 24));
    assert!(
        small.contains("RESTARTS") && small.contains("STATUS"),
        "{small}"
    );
    let mid = header(&render_to_string(&st, 120, 36));
    assert!(mid.contains("MEM"), "{mid}");
    let long = "kitops-frontend-5c6d7f8b9-9pl2w";
    let screen = render_to_string(&st, 80, 24);
    assert!(!screen.contains(long), "cut at 80 columns:\n{screen}");
    kube_render::key(&mut st, 'z');
    let zoomed = render_to_string(&st, 200, 60);
    assert!(zoomed.contains(long), "whole when zoomed:\n{zoomed}");
    insta::assert_snapshot!("pods_zoomed_200x60", zoomed);
    insta::assert_snapshot!("pods_120x36", render_to_string(&st, 120, 36));
}
