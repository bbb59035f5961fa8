//! `kitops-top record`: every snapshot the collectors publish, as a version-2
//! recording (keyframes + changes, gzip), for `kitops-top replay FILE`; with
//! `--redact`, masked as presenter mode shows it (`view::redact::frame`).

use std::path::Path;
use std::time::Duration;

use crate::collect::replay::writer::RecordingWriter;
use crate::collect::replay::{Frame, Recorded};
use crate::collect::sources::{spawn_all, Channels};
use crate::collect::Controls;
use crate::config::Config;

/// Records until `duration` has passed or ctrl-c; returns how many records were written.
pub async fn run(config: &Config, out: &Path, duration: Duration) -> std::io::Result<usize> {
    let mut writer = RecordingWriter::create(out, config.redact)?;
    let (_pause, controls) = Controls::free_running();
    let Channels {
        mut kube,
        mut pg,
        mut redis,
        mut aws,
        mut host,
        mut deps,
    } = spawn_all(config, &controls);
    let deadline = tokio::time::sleep(duration);
    tokio::pin!(deadline);
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
        let frame = if config.redact {
            crate::view::redact::frame(&frame)
        } else {
            frame
        };
        writer.snapshot(&frame)?;
    }
    let written = writer.records;
    writer.finish()?;
    Ok(written)
}
