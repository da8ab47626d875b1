//! Embeds the default mail templates (`templates/mail/`: the manifest and
//! every `.tera` file) so that a single binary can seed them.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/mail");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("templates/mail is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tera"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// The default templates' sources, by file name.\npub(crate) static FILES: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name");
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", path.display().to_string());
    }
    out.push_str("];\n\n/// The manifest: name, description and file of each default template.\n");
    let manifest = dir.join("manifest.toml");
    println!("cargo:rerun-if-changed={}", manifest.display());
    let _ = writeln!(out, "pub(crate) static MANIFEST: &str = include_str!({:?});", manifest.display().to_string());
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set")).join("default_templates.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
