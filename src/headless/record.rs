//! `kitops-top record`: every snapshot the collectors publish, as JSON lines with
//! their offset from the start, for `kitops-top demo FILE`.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::collect::replay::{Frame, Line, Recorded};
use crate::collect::sources::{spawn_all, Channels};
use crate::collect::Controls;
use crate::config::Config;

/// Records until `duration` has passed or ctrl-c; returns how many snapshots were written.
pub async fn run(config: &Config, out: &Path, duration: Duration) -> std::io::Result<usize> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let (_pause, controls) = Controls::free_running();
    let Channels {
        mut kube,
        mut pg,
        mut redis,
        mut aws,
        mut host,
        mut deps,
    } = spawn_all(config, &controls);
    let start = Instant::now();
    let deadline = tokio::time::sleep(duration);
    tokio::pin!(deadline);
    let mut written = 0;
    loop {
        // A source that is off has no sender: its `changed()` errs and the branch is skipped.
        let frame = tokio::select! {
            _ = &mut deadline => break,
            _ = tokio::signal::ctrl_c() => break,
            Ok(()) = kube.changed() => Frame::Kube(Recorded::of(&kube.borrow_and_update())),
            Ok(()) = pg.changed() => Frame::Postgres(Recorded::of(&pg.borrow_and_update())),
            Ok(()) = redis.changed() => Frame::Redis(Recorded::of(&redis.borrow_and_update())),
            Ok(()) = aws.changed() => Frame::Aws(Recorded::of(&aws.borrow_and_update())),
            Ok(()) = host.changed() => Frame::Host(Recorded::of(&host.borrow_and_update())),
            Ok(()) = deps.changed() => Frame::Deps(Recorded::of(&deps.borrow_and_update())),
        };
        let line = Line {
            at_ms: start.elapsed().as_millis() as u64,
            wall: SystemTime::now(),
            frame,
        };
        serde_json::to_writer(&mut file, &line)?;
        file.write_all(b"\n")?;
        written += 1;
    }
    file.flush()?;
    Ok(written)
}
