use super::*;
use std::time::Duration;

#[test]
fn the_continue_token_is_read_from_the_head_of_a_list() {
    let page = br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"abc","remainingItemCount":3},"items":[{"metadata":{"name":"p"}}]}"#;
    assert_eq!(continue_token(page).as_deref(), Some("abc"));
    // Nothing after `metadata` is read: a truncated page still names the next one.
    assert_eq!(
        continue_token(&page[..page.len() - 20]).as_deref(),
        Some("abc")
    );
}

#[test]
fn a_last_page_or_items_first_or_garbage_name_no_next_page() {
    let last = br#"{"kind":"PodList","metadata":{"resourceVersion":"7","continue":""},"items":[]}"#;
    assert_eq!(continue_token(last), None);
    let none = br#"{"kind":"PodList","metadata":{"resourceVersion":"7"},"items":[]}"#;
    assert_eq!(continue_token(none), None);
    let items_first = br#"{"items":[],"metadata":{"continue":"abc"}}"#;
    assert_eq!(
        continue_token(items_first),
        None,
        "items first: paged as before"
    );
    for garbage in [
        &b""[..],
        b"[1,2]",
        b"{\"metadata\":",
        b"\xff\xfe",
        b"{\"metadata\":{\"continue\":7}}",
    ] {
        assert_eq!(continue_token(garbage), None);
    }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("a request")
}

#[test]
fn only_paged_lists_are_fetched_ahead() {
    assert!(paged_list(&get("/api/v1/pods?limit=500")));
    assert!(paged_list(&get(
        "/api/v1/pods?limit=500&continue=x&watch=false"
    )));
    assert!(!paged_list(&get("/api/v1/pods")), "no limit: one answer");
    assert!(
        !paged_list(&get("/api/v1/pods?limit=1")),
        "a probe wants one item"
    );
    assert!(!paged_list(&get("/api/v1/pods?watch=true&limit=500")));
    assert!(!paged_list(&get("/api/v1/pods?limit=many")));
    let post = Request::post("/api/v1/pods?limit=500")
        .body(Body::empty())
        .expect("a request");
    assert!(!paged_list(&post));
}

#[test]
fn the_next_page_is_the_same_request_with_the_token_and_is_found_by_it() {
    let first =
        get("/api/v1/namespaces/kitops/pods?labelSelector=app%3Dweb&limit=500&continue=old");
    let (mut parts, _) = first.into_parts();
    parts
        .headers
        .insert("accept", http::HeaderValue::from_static("application/json"));
    let next = next_page(&parts, "t/ok+=").expect("a next page");
    assert_eq!(next.method(), http::Method::GET);
    assert_eq!(next.headers()["accept"], "application/json");
    let pairs: Vec<_> = query_pairs(next.uri()).collect();
    assert!(pairs.iter().any(|(k, v)| k == "continue" && v == "t/ok+="));
    assert_eq!(pairs.iter().filter(|(k, _)| k == "continue").count(), 1);
    assert!(pairs
        .iter()
        .any(|(k, v)| k == "labelSelector" && v == "app=web"));
    // The watcher's own request for that page, its parameters in another order.
    let asked = get(
        "/api/v1/namespaces/kitops/pods?continue=t%2Fok%2B%3D&limit=500&labelSelector=app%3Dweb",
    );
    assert_eq!(page_key(asked.uri()), page_key(next.uri()));
    let other = get(
        "/api/v1/namespaces/kitops/pods?continue=t%2Fok%2B%3D&limit=100&labelSelector=app%3Dweb",
    );
    assert_ne!(page_key(other.uri()), page_key(next.uri()));
}

/// kube-sim with `pods` pods and three nodes, and a plain client of it.
async fn sim_and_client(pods: usize) -> (kube_sim::Handle, kube::Client) {
    let sim = kube_sim::start(kube_sim::Options {
        pods,
        nodes: 3,
        ..kube_sim::Options::default()
    })
    .await
    .expect("kube-sim starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc).expect("kubeconfig");
    let kubeconfig = kube::config::Kubeconfig::read_from(&kc).expect("kubeconfig reads");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    (sim, kube::Client::try_from(config).expect("client"))
}

/// Against kube-sim: a LIST in pages through the prefetching client gives the very
/// objects a plain client gets, asks the server for each page once, and all pages
/// but the first are handed over from ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paged_list_is_the_same_with_each_page_asked_for_once() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, ListParams};
    let (sim, plain) = sim_and_client(1_234).await;
    let prefetching = Prefetching::new(plain.clone());
    let ahead = prefetching.clone().into_client();

    async fn names(client: kube::Client) -> Vec<String> {
        let api: Api<Pod> = Api::all(client);
        let mut lp = ListParams::default().limit(500);
        let mut out = Vec::new();
        loop {
            let page = api.list(&lp).await.expect("a page");
            out.extend(page.items.into_iter().filter_map(|p| p.metadata.name));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(c) => lp = lp.continue_token(&c),
                None => return out,
            }
        }
    }
    let expected = names(plain).await;
    assert_eq!(expected.len(), 1_234);
    let before = sim.request_counts().get("list pods").copied().unwrap_or(0);
    assert_eq!(names(ahead).await, expected);
    let asked = sim.request_counts().get("list pods").copied().unwrap_or(0) - before;
    assert_eq!(asked, 3, "three pages of 500, each asked for once");
    assert_eq!(
        prefetching.served_ahead(),
        2,
        "pages 2 and 3 were already here"
    );
}

/// The watcher decodes a page without yielding (kube-rs decodes it in one call). The
/// next page must be asked for before that decoding starts, not after it: a task
/// spawned from the watcher's task waits in its worker's LIFO slot, which no other
/// worker takes, until the watcher's task yields (`call` yields once for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_page_is_asked_for_while_this_one_is_decoded() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, ListParams};
    let (sim, plain) = sim_and_client(1_200).await;
    let client = Prefetching::client(plain);
    let listed = || sim.request_counts().get("list pods").copied().unwrap_or(0);
    let before = listed();
    let (decoding_tx, decoding_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    // On a worker, as the watcher runs: the first page, then a "decode" that blocks
    // this worker until the test has looked.
    let lister = tokio::spawn(async move {
        let api: Api<Pod> = Api::all(client);
        let page = api.list(&ListParams::default().limit(500)).await;
        let _ = decoding_tx.send(page.is_ok());
        let _ = done_rx.recv_timeout(Duration::from_secs(10));
    });
    assert_eq!(decoding_rx.recv_timeout(Duration::from_secs(10)), Ok(true));
    let mut asked = listed() - before;
    for _ in 0..200 {
        if asked >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        asked = listed() - before;
    }
    let _ = done_tx.send(());
    lister.await.expect("the lister ends");
    assert_eq!(
        asked, 2,
        "while the first page was being decoded, the second was asked for"
    );
}
