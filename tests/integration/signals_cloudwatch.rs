//! The golden signals against CloudWatch: moto for the sums and the error rate
//! (`put_metric_data`, then the collector's one `GetMetricData` and the pane), and the
//! SDK's static replay client for the p95, which moto does not compute: a
//! `GetMetricData` response in AWS's documented Query-protocol XML, parsed by the SDK.

use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::aws::cloudwatch::{self, id, lb_dimension};
use kitops_top::collect::aws::{AwsClients, AwsCollector};
use kitops_top::collect::{Collector, Snapshot};
use kitops_top::view::panes::signals::golden;

use crate::support::moto::{self, seed, Moto};

fn datum(name: &str, dims: &[(&str, &str)], value: f64, at: SystemTime) -> MetricDatum {
    let mut d = MetricDatum::builder()
        .metric_name(name)
        .value(value)
        .unit(StandardUnit::Count)
        .timestamp(DateTime::from(at));
    for (n, v) in dims {
        d = d.dimensions(Dimension::builder().name(*n).value(*v).build());
    }
    d.build()
}

#[tokio::test]
async fn moto_sums_become_the_error_rate_and_p95_says_no_data() {
    moto::fake_credentials_env();
    let m = Moto::start();
    let s = seed(&m).await;
    let lb = lb_dimension(&s.lb_arn).expect("ALB ARN has a loadbalancer/ part");
    let at = SystemTime::now() - Duration::from_secs(150);
    let d = [("LoadBalancer", lb.as_str())];
    m.cloudwatch()
        .put_metric_data()
        .namespace("AWS/ApplicationELB")
        .metric_data(datum("RequestCount", &d, 2000.0, at))
        .metric_data(datum("HTTPCode_Target_5XX_Count", &d, 6.0, at))
        .metric_data(datum("HTTPCode_ELB_5XX_Count", &d, 4.0, at))
        .send()
        .await
        .expect("put ALB metrics");
    m.cloudwatch()
        .put_metric_data()
        .namespace("AWS/RDS")
        .metric_data(datum(
            "CPUUtilization",
            &[("DBInstanceIdentifier", "kitops-production")],
            37.0,
            at,
        ))
        .send()
        .await
        .expect("put RDS metrics");

    let data = AwsCollector::new(m.settings())
        .collect()
        .await
        .expect("collects");
    assert_eq!(data.signals_error, None);
    let sig = data.signals.clone().expect("signals read");
    assert_eq!(sig.load_balancer.as_deref(), Some(lb.as_str()));
    let req = sig.series(id::REQUESTS).expect("requests series");
    assert_eq!(req.points.iter().map(|p| p.1).sum::<f64>(), 2000.0);
    let g = golden(&sig, SystemTime::now());
    let err = g.error_rate.expect("error rate");
    assert!(
        (err - 0.5).abs() < 1e-9,
        "(6 + 4) / 2000 = 0.5 %, got {err}"
    );
    assert_eq!(g.p95_ms, None, "moto computes no percentiles");

    let mut st = State::for_tests(SystemTime::now());
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data, SystemTime::now()))),
    );
    st.focus = kitops_top::app::PaneId::Signals;
    st.zoomed = true;
    let screen = kitops_top::ui::render_to_string(&st, 100, 30);
    assert!(screen.contains("p95 no data"), "{screen}");
    assert!(screen.contains("err 0.50 %"), "{screen}");
    assert!(
        screen.contains("ALB errors 0.50 % (> 0.1 %)"),
        "attention line:\n{screen}"
    );
    let cpu = screen
        .lines()
        .find(|l| l.contains("RDS CPU"))
        .unwrap_or_default();
    assert!(cpu.contains("37.0 %"), "{screen}");
}

/// A `GetMetricData` response as AWS documents it for the Query protocol.
const RESPONSE: &str = r#"<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <GetMetricDataResult>
    <MetricDataResults>
      <member>
        <Id>p95</Id>
        <Label>TargetResponseTime</Label>
        <StatusCode>Complete</StatusCode>
        <Timestamps>
          <member>2026-01-15T10:26:00Z</member>
          <member>2026-01-15T10:27:00Z</member>
        </Timestamps>
        <Values>
          <member>0.183</member>
          <member>0.251</member>
        </Values>
      </member>
      <member>
        <Id>requests</Id>
        <Label>RequestCount</Label>
        <StatusCode>PartialData</StatusCode>
        <Timestamps><member>2026-01-15T10:27:00Z</member></Timestamps>
        <Values><member>1200</member></Values>
      </member>
      <member>
        <Id>rdslag</Id>
        <Label>ReplicaLag</Label>
        <StatusCode>Complete</StatusCode>
        <Timestamps/>
        <Values/>
      </member>
    </MetricDataResults>
    <Messages/>
  </GetMetricDataResult>
  <ResponseMetadata><RequestId>0c1f6a2e-5d1b-4c55-9d7f-1a2b3c4d5e6f</RequestId></ResponseMetadata>
</GetMetricDataResponse>"#;

#[tokio::test]
async fn p95_from_a_documented_get_metric_data_response() {
    let replay = StaticReplayClient::new(vec![ReplayEvent::new(
        http::Request::builder()
            .uri("https://monitoring.us-east-1.amazonaws.com/")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(200)
            .header("content-type", "text/xml")
            .body(SdkBody::from(RESPONSE))
            .unwrap(),
    )]);
    let creds = aws_sdk_cloudwatch::config::Credentials::new("AKID", "SECRET", None, None, "test");
    let cw = aws_sdk_cloudwatch::Client::from_conf(
        aws_sdk_cloudwatch::Config::builder()
            .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .http_client(replay.clone())
            .build(),
    );
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .build();
    let clients = AwsClients {
        elb: aws_sdk_elasticloadbalancingv2::Client::new(&sdk),
        rds: aws_sdk_rds::Client::new(&sdk),
        cw,
        region: "us-east-1".into(),
        endpoint: "aws".into(),
    };
    let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/kitops-alb/50dc6c495c0c9188";
    let now = crate::support::clock::at(1_768_473_000); // 10:30:00Z
    let sig = cloudwatch::collect(&clients, Some(lb), &[], "kitops-production", now)
        .await
        .expect("parses");

    let sent = replay.actual_requests().next().expect("one request");
    let body = std::str::from_utf8(sent.body().bytes().unwrap()).unwrap();
    assert!(body.contains("Action=GetMetricData"), "{body}");
    assert!(body.contains("Stat=p95"), "the p95 is asked for: {body}");
    assert!(
        body.contains("app%2Fkitops-alb%2F50dc6c495c0c9188"),
        "{body}"
    );
    assert_eq!(replay.actual_requests().count(), 1, "one call per refresh");

    let p95 = sig.series(id::P95).unwrap();
    assert_eq!(p95.points.len(), 2);
    let g = golden(&sig, now);
    assert!((g.p95_ms.unwrap() - 251.0).abs() < 1e-9);
    assert_eq!(
        g.age,
        Some(Duration::from_secs(120)),
        "10:27 + 1 min → 10:30"
    );
    assert_eq!(
        sig.series(id::REQUESTS).unwrap().status.as_deref(),
        Some("PartialData")
    );
    assert!(sig.series(id::RDS_REPLICA_LAG).unwrap().points.is_empty());
}
