//! Running the helper: one `etalage extract` process per untrusted file (CAN-1, docs/security.md
//! "The parsing sandbox"). A parser that loops, overflows its stack or exhausts memory ends that
//! process — an abort is not catchable in-process, which is why parsing never happens in the
//! server. The helper gets no environment (so no secrets), cannot create files, may hold only a
//! few descriptors, and is killed after a wall-clock timeout or when the request goes away.
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use tokio::sync::Semaphore;

use super::sniff::Format;
use super::{DocumentError, DocumentKind};

/// The limits of one helper process.
#[derive(Clone, Debug)]
pub struct SandboxLimits {
    /// Wall-clock time for one file, start to answer.
    pub timeout: Duration,
    /// RLIMIT_AS: address space.
    pub memory_bytes: u64,
    /// RLIMIT_CPU: CPU seconds.
    pub cpu_secs: u64,
    /// RLIMIT_NOFILE: stdin, stdout, stderr and a few for the runtime.
    pub open_files: u64,
    /// Helpers running at once; further uploads wait for a slot.
    pub concurrent: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        SandboxLimits {
            timeout: Duration::from_secs(20),
            memory_bytes: 512 * 1024 * 1024,
            cpu_secs: 15,
            open_files: 16,
            concurrent: 2,
        }
    }
}

/// The helper's answer is read through this cap: a text of at most
/// [`super::extract::MAX_TEXT_BYTES`] or a re-encoded photo of at most 2000 × 2000 pixels.
const MAX_OUTPUT_BYTES: u64 = 24 * 1024 * 1024;
/// Kept of the helper's stderr for the log (a panic message); the rest is dropped.
const MAX_STDERR_BYTES: u64 = 4096;

/// Starts helpers. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Extractor {
    program: PathBuf,
    limits: SandboxLimits,
    slots: Arc<Semaphore>,
    /// Testing only: makes the helper misbehave (`memory`, `loop`) to prove the limits hold.
    fault: Option<String>,
}

/// What the helper made of a file.
#[derive(Debug)]
pub struct Extracted {
    pub format: Format,
    /// CV: its text. Photo: the re-encoded image, which is what is kept.
    pub payload: Vec<u8>,
}

impl Extractor {
    /// `program` is the `etalage` binary (the server's own executable unless configured).
    pub fn new(program: PathBuf, limits: SandboxLimits, fault: Option<String>) -> Self {
        let slots = Arc::new(Semaphore::new(limits.concurrent.max(1)));
        Extractor {
            program,
            limits,
            slots,
            fault,
        }
    }

    pub async fn run(&self, kind: DocumentKind, input: &[u8]) -> Result<Extracted, DocumentError> {
        let _slot = self.slots.acquire().await.map_err(|_| {
            DocumentError::Core(crate::CoreError::Internal("extractor closed".into()))
        })?;
        match tokio::time::timeout(self.limits.timeout, self.run_helper(kind, input)).await {
            Ok(result) => result,
            // Dropping the future dropped the child: `kill_on_drop` ends it.
            Err(_) => Err(DocumentError::Refused(format!(
                "reading the file took longer than {} seconds; it may be damaged or hostile",
                self.limits.timeout.as_secs()
            ))),
        }
    }

    async fn run_helper(
        &self,
        kind: DocumentKind,
        input: &[u8],
    ) -> Result<Extracted, DocumentError> {
        let internal = |what: &str, e: std::io::Error| {
            DocumentError::Core(crate::CoreError::Internal(format!(
                "extractor: {what}: {e}"
            )))
        };
        let mut command = Command::new(&self.program);
        command
            .arg("extract")
            .arg("--kind")
            .arg(kind.as_str())
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(fault) = &self.fault {
            command.arg("--fault").arg(fault);
        }
        let mut child = command.spawn().map_err(|e| internal("cannot start", e))?;
        // The helper reads its whole input before it parses anything, so limits set now, before
        // a byte is written, are in force for every parser (no `pre_exec`: unsafe is forbidden).
        if let Err(e) = self.apply_limits(&child) {
            let _ = child.start_kill();
            return Err(internal("cannot limit the helper", e));
        }
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(internal("pipes", std::io::Error::other("missing")));
        };
        let write = async move {
            // A helper that dies early closes the pipe; that shows in its exit status.
            let _ = stdin.write_all(input).await;
            drop(stdin);
        };
        let read_out = async move {
            let mut out = Vec::new();
            let _ = stdout
                .take(MAX_OUTPUT_BYTES + 1)
                .read_to_end(&mut out)
                .await;
            out
        };
        let read_err = async move {
            let mut err = Vec::new();
            let _ = stderr.take(MAX_STDERR_BYTES).read_to_end(&mut err).await;
            err
        };
        let ((), out, err) = tokio::join!(write, read_out, read_err);
        if out.len() as u64 > MAX_OUTPUT_BYTES {
            return Err(DocumentError::Refused(
                "reading the file gave more than is accepted".into(),
            ));
        }
        let status = child.wait().await.map_err(|e| internal("wait", e))?;
        if !status.success() {
            tracing::warn!(%status, stderr = %String::from_utf8_lossy(&err), "document helper failed");
            return Err(DocumentError::Refused(
                "the file could not be read within the limits for documents; it may be damaged or hostile".into(),
            ));
        }
        parse_answer(&out)
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn apply_limits(&self, child: &tokio::process::Child) -> std::io::Result<()> {
        use rlimit::Resource;
        let pid = child
            .id()
            .ok_or_else(|| std::io::Error::other("the helper has already exited"))?;
        let pid = i32::try_from(pid).map_err(std::io::Error::other)?;
        let l = &self.limits;
        for (resource, value) in [
            (Resource::AS, l.memory_bytes),
            (Resource::CPU, l.cpu_secs),
            (Resource::FSIZE, 0),
            (Resource::NOFILE, l.open_files),
            (Resource::CORE, 0),
        ] {
            rlimit::prlimit(pid, resource, Some((value, value)), None)?;
        }
        Ok(())
    }

    /// Elsewhere only the timeout and the output cap hold; production runs on Linux.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn apply_limits(&self, _child: &tokio::process::Child) -> std::io::Result<()> {
        Ok(())
    }
}

/// The helper's protocol: one header line, then the payload.
/// `ok <format>\n<payload>` | `not-allowed <message>\n` | `refused <message>\n`.
pub fn write_answer(
    outcome: &super::extract::Outcome,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    use super::extract::Outcome;
    match outcome {
        Outcome::Done { format, payload } => {
            writeln!(out, "ok {}", format.as_str())?;
            out.write_all(payload)
        }
        Outcome::NotAllowed(message) => writeln!(out, "not-allowed {}", one_line(message)),
        Outcome::Refused(message) => writeln!(out, "refused {}", one_line(message)),
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

fn parse_answer(out: &[u8]) -> Result<Extracted, DocumentError> {
    let garbled = || DocumentError::Refused("reading the file gave no usable answer".into());
    let newline = out.iter().position(|&b| b == b'\n').ok_or_else(garbled)?;
    let header = std::str::from_utf8(&out[..newline]).map_err(|_| garbled())?;
    let payload = &out[newline + 1..];
    let (word, rest) = header.split_once(' ').unwrap_or((header, ""));
    match word {
        "ok" => {
            let format = Format::parse(rest).ok_or_else(garbled)?;
            Ok(Extracted {
                format,
                payload: payload.to_vec(),
            })
        }
        "not-allowed" => Err(DocumentError::TypeNotAllowed(rest.to_string())),
        "refused" => Err(DocumentError::Refused(rest.to_string())),
        _ => Err(garbled()),
    }
}

/// The helper's side: reads one file from stdin, answers on stdout. `fault` (testing only)
/// misbehaves instead, to show that the limits hold.
pub fn helper_main(kind: DocumentKind, fault: Option<&str>) -> std::io::Result<()> {
    use std::io::Read;
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .take(
            DocumentKind::Cv
                .max_bytes()
                .max(DocumentKind::Photo.max_bytes()) as u64
                + 1,
        )
        .read_to_end(&mut input)?;
    let outcome = match fault {
        Some("memory") => exhaust_memory(),
        Some("loop") => loop {
            std::hint::spin_loop();
        },
        _ => super::extract::extract(kind, &input),
    };
    let mut stdout = std::io::stdout().lock();
    write_answer(&outcome, &mut stdout)?;
    std::io::Write::flush(&mut stdout)
}

/// Allocates (and touches) memory until the address-space limit makes an allocation fail, which
/// aborts the process. Bounded, so that a missing limit fails the test (the upload is then
/// accepted) instead of the machine.
fn exhaust_memory() -> super::extract::Outcome {
    let mut hog: Vec<Vec<u8>> = Vec::new();
    for _ in 0..16 {
        hog.push(vec![1u8; 64 * 1024 * 1024]);
    }
    std::hint::black_box(&hog);
    super::extract::Outcome::Done {
        format: Format::Txt,
        payload: b"1 GiB allocated: the memory limit is not in force".to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_the_helper_answer_is_parsed_strictly() {
        assert!(
            matches!(parse_answer(b"ok txt\nhallo"), Ok(Extracted { format: Format::Txt, payload }) if payload == b"hallo")
        );
        assert!(
            matches!(parse_answer(b"refused the PDF is damaged\n"), Err(DocumentError::Refused(m)) if m == "the PDF is damaged")
        );
        assert!(matches!(
            parse_answer(b"not-allowed nope\n"),
            Err(DocumentError::TypeNotAllowed(_))
        ));
        assert!(matches!(
            parse_answer(b"ok exe\n"),
            Err(DocumentError::Refused(_))
        ));
        assert!(matches!(parse_answer(b""), Err(DocumentError::Refused(_))));
    }
}
