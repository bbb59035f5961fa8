//! The open incident on disk, so an SSH drop or a crash and a restart resume the same
//! incident, timer and notes. Every write is atomic (a temp file, fsynced, renamed
//! over the old one): a crash mid-write leaves the previous version, never half a file.
//! A resolved incident moves to `incidents/<id>.json` and the open file goes away.

use std::io::Write;
use std::path::Path;

use crate::app::incident::Incident;
use crate::config::IncidentSettings;

/// Writes `incident` where it belongs: the open file, or the archive once resolved.
/// Server text in it (a failed action's error on the timeline) is JSON-escaped past
/// what serde_json escapes (C1, bidi, tags…): the file is read with `cat` and `jq`.
pub fn save(settings: &IncidentSettings, incident: &Incident) -> std::io::Result<()> {
    let json = crate::escape::to_json_pretty(incident)
        .map_err(std::io::Error::other)?
        .into_bytes();
    if incident.is_open() {
        return write_atomically(&settings.file, &json);
    }
    let archived = settings.archive_dir.join(format!("{}.json", incident.id));
    write_atomically(&archived, &json)?;
    match std::fs::remove_file(&settings.file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The incident a previous run left open; `Ok(None)` when there is none.
pub fn load(settings: &IncidentSettings) -> Result<Option<Incident>, String> {
    let path = &settings.file;
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    serde_json::from_str::<Incident>(&text)
        .map(|i| Some(i).filter(Incident::is_open))
        .map_err(|e| format!("{}: not an incident file ({e})", path.display()))
}

pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "incident".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    // The rename itself must survive a power cut too.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::incident::Severity;
    use std::time::{Duration, SystemTime};

    #[test]
    fn saved_open_incidents_load_and_resolved_ones_are_archived() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = IncidentSettings {
            targets: [crate::config::SeverityTargets {
                response: Duration::from_secs(60),
                resolution: Duration::from_secs(600),
            }; 3],
            file: dir.path().join("state/incident.json"),
            archive_dir: dir.path().join("state/incidents"),
        };
        assert_eq!(load(&settings), Ok(None));
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut inc = Incident::declare(Severity::Sev1, "db down", t0);
        save(&settings, &inc).expect("saves");
        assert_eq!(load(&settings), Ok(Some(inc.clone())));
        inc.resolve(t0 + Duration::from_secs(60));
        save(&settings, &inc).expect("archives");
        assert_eq!(load(&settings), Ok(None));
        assert!(settings
            .archive_dir
            .join(format!("{}.json", inc.id))
            .exists());
        std::fs::write(&settings.file, "{not json").expect("write");
        assert!(load(&settings)
            .expect_err("bad file")
            .contains("not an incident file"));
    }
}
