//! The editor round trip of `rt create`, `rt edit`, `rt comment` and
//! `rt correspond` when no values are given on the command line: the form
//! is written to a private temporary file, `$EDITOR` (else `$VISUAL`, else
//! `vi`) runs on it, and the result is read back. A form that does not
//! parse, or names in `Attachment` a file that is not there, goes back to
//! the editor with the problem as its comment, until it is right or the
//! user leaves it unchanged or empty (then nothing is sent).

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use rt_client::rest1::form::{self, Form, split_list};

use crate::app::Fatal;

/// Lets the user edit `text`. The text to send and the files its forms
/// attach, or `None` when there is nothing to send.
pub fn edit_forms(text: &str) -> Result<Option<(String, Vec<String>)>, Fatal> {
    let mut text = text.to_string();
    let mut error = false;
    loop {
        let edited = run_editor(&text)?;
        if error && edited == text {
            return Ok(None);
        }
        let mut forms = form::parse(&edited);
        if forms.iter().all(|f| f.fields.is_empty() && f.error.is_none()) {
            return Ok(None);
        }
        error = false;
        for form in &mut forms {
            let problem = match &form.error {
                Some(_) => Some("Syntax error.".to_string()),
                None => missing_file(form),
            };
            if let Some(problem) = problem {
                form.comment = format!("# {problem}");
                error = true;
            }
        }
        text = form::compose(&forms);
        if !error {
            let files = forms.iter().flat_map(|f| f.get("Attachment").map(split_list)).flatten().collect();
            return Ok(Some((text, files)));
        }
    }
}

/// What is wrong with a form's `Attachment`: a file that is not there.
fn missing_file(form: &Form) -> Option<String> {
    let missing = split_list(form.get("Attachment")?).into_iter().find(|f| !std::path::Path::new(f).is_file())?;
    Some(format!("File '{missing}' doesn't exist"))
}

/// What the user made of `text` in the editor.
fn run_editor(text: &str) -> Result<String, Fatal> {
    let editor = ["EDITOR", "VISUAL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".into());
    let file = TempFile::new(text).map_err(|e| Fatal(format!("rt: cannot write a temporary file: {e}")))?;
    // Through the shell, so that EDITOR may carry options ("emacs -nw").
    let status = Command::new("sh").arg("-c").arg(format!("{editor} \"$1\"")).arg("sh").arg(&file.0).status();
    if !status.is_ok_and(|s| s.success()) {
        return Err(Fatal(format!("rt: cannot run the editor '{editor}'.")));
    }
    std::fs::read_to_string(&file.0).map_err(|e| Fatal(format!("rt: cannot read {}: {e}", file.0.display())))
}

/// A file only its owner can read, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(text: &str) -> std::io::Result<TempFile> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!("rt-form-{}-{nanos}.txt", std::process::id()));
        options.open(&path)?.write_all(text.as_bytes())?;
        Ok(TempFile(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
