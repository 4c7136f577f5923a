//! The config file: where it is, how it loads, what it means, and how
//! discovered state is written back into it.
//!
//! Loading is strict (unknown keys are errors) and happens before any AWS
//! call, so bad input costs nothing and changes nothing.

pub mod all_errors;
pub mod copilot;
pub mod diagnose;
pub mod load;
pub mod lock;
pub mod model;
pub mod problems;
pub mod schedule;
pub mod shape;
pub mod sizes;
pub mod spec;
pub mod state_file;
pub mod store;
pub mod web;
pub mod writeback;

pub use load::{Loaded, load, parse, resolve_path};
pub use model::Config;
pub use spec::StackSpec;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn err(text: &str) -> String {
        match parse(Path::new("f.yml"), text.to_string()) {
            Ok(_) => panic!("should fail: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn misspelt_key_suggests() {
        let e = err("app:\n  name: x\ntasks:\n  web:\n    imag: nginx\n");
        assert!(e.contains("`tasks.web.imag`"), "{e}");
        assert!(e.contains("did you mean `image`"), "{e}");
        assert!(e.starts_with("f.yml:5"), "{e}");
    }

    #[test]
    fn top_level_typo() {
        let e = err("app:\n  name: x\nregoin: us-east-1\n");
        assert!(e.contains("did you mean `region`"), "{e}");
    }

    #[test]
    fn bad_type_variant() {
        let e = err("app:\n  name: x\ntasks:\n  web:\n    type: deamon\n    image: x\n");
        assert!(e.contains("did you mean `daemon`"), "{e}");
    }

    #[test]
    fn wrong_type() {
        let e = err("app:\n  name: x\ntasks:\n  web:\n    image: x\n    port: [1]\n");
        assert!(e.contains("tasks.web.port"), "{e}");
    }

    #[test]
    fn empty_and_malformed() {
        assert!(err("").contains("empty"));
        assert!(err("# just a comment\n").contains("empty"));
        assert!(err("app: [unclosed\n").contains("not valid YAML"));
    }

    #[test]
    fn original_written_config_loads() {
        let text = include_str!("../../tests/data/original-written.yml");
        parse(Path::new("x.yml"), text.to_string()).unwrap();
    }
}
