//! Session cookies kept between runs, per server and user, in the file
//! format of RT's own `rt` client (`~/.rt_sessions`): one
//! `<server> <user> <cookie name>=<hex value>` line each (the cookie name
//! without its `RT_SID_` prefix), so both clients can share the file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// The session cookies, and the file they are kept in.
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    path: Option<PathBuf>,
    cookies: BTreeMap<(String, String), String>,
}

impl Sessions {
    /// Sessions that last as long as this value.
    pub fn in_memory() -> Sessions {
        Sessions::default()
    }

    /// The sessions kept in `path`; none when it is missing or unreadable.
    /// Lines that are not sessions are skipped.
    pub fn load(path: impl Into<PathBuf>) -> Sessions {
        let path = path.into();
        let mut cookies = BTreeMap::new();
        for line in std::fs::read_to_string(&path).unwrap_or_default().lines() {
            let mut words = line.split(' ');
            if let (Some(server), Some(user), Some(cookie), None) =
                (words.next(), words.next(), words.next(), words.next())
                && (server.starts_with("http://") || server.starts_with("https://"))
                && !user.is_empty()
                && parse_cookie(cookie).is_some()
            {
                cookies.insert((server.to_string(), user.to_string()), cookie.to_string());
            }
        }
        Sessions { path: Some(path), cookies }
    }

    /// The cookie (`name=value`, without `RT_SID_`) for `user` on `server`.
    pub fn get(&self, server: &str, user: &str) -> Option<&str> {
        self.cookies.get(&(server.to_string(), user.to_string())).map(String::as_str)
    }

    /// Records a cookie; returns whether that changed anything.
    pub fn set(&mut self, server: &str, user: &str, cookie: &str) -> bool {
        let key = (server.to_string(), user.to_string());
        if self.cookies.get(&key).is_some_and(|c| c == cookie) {
            return false;
        }
        self.cookies.insert(key, cookie.to_string());
        true
    }

    /// Forgets the session of `user` on `server`; returns whether there was one.
    pub fn remove(&mut self, server: &str, user: &str) -> bool {
        self.cookies.remove(&(server.to_string(), user.to_string())).is_some()
    }

    /// Writes the file (mode 0600, replaced atomically); nothing to do for
    /// sessions in memory.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let mut text = String::new();
        for ((server, user), cookie) in &self.cookies {
            text.push_str(&format!("{server} {user} {cookie}\n"));
        }
        let mut temp = path.clone().into_os_string();
        temp.push(format!(".{}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(text.as_bytes())?;
        drop(file);
        std::fs::rename(&temp, path)
    }
}

/// Splits `name=hexvalue` (the part of a `Set-Cookie: RT_SID_...` header
/// before its first `;`), as RT's client accepts it.
pub(crate) fn parse_cookie(cookie: &str) -> Option<(&str, &str)> {
    let (name, value) = cookie.rsplit_once('=')?;
    let name_ok = name.chars().count() >= 2 && !name.chars().skip(1).any(|c| c == ',' || c == ';' || c.is_whitespace());
    let value_ok = !value.is_empty() && value.chars().all(|c| c.is_ascii_hexdigit());
    (name_ok && value_ok).then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_survive_a_save_and_a_load() {
        let dir = std::env::temp_dir().join(format!("rt-client-sessions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let path = dir.join(".rt_sessions");
        std::fs::write(&path, "# a comment\nhttp://old root example.com.80=abc123\nnot a session\n")
            .unwrap_or_default();
        let mut sessions = Sessions::load(&path);
        assert_eq!(sessions.get("http://old", "root"), Some("example.com.80=abc123"));
        assert!(sessions.set("https://rt.example.com", "alice", "example.com.443=00ff"));
        assert!(!sessions.set("https://rt.example.com", "alice", "example.com.443=00ff"));
        assert!(sessions.remove("http://old", "root"));
        sessions.save().unwrap_or_default();
        let again = Sessions::load(&path);
        assert_eq!(again.get("https://rt.example.com", "alice"), Some("example.com.443=00ff"));
        assert_eq!(again.get("http://old", "root"), None);
        assert_eq!(parse_cookie("x=zz"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
