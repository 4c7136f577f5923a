//! Whose a resource is, decided in one place from its tags: this stack's,
//! another fargate-stack app's, or someone else's (adopted: used, never
//! deleted). A leaf: discovery, the resources and the planner all ask here.

use std::collections::BTreeMap;

use serde::Serialize;

/// Tags on everything we create, so ownership is knowable later.
pub const CREATED_BY: (&str, &str) = ("CreatedBy", "fargate-stack");
pub const APP_TAG: &str = "fargate-stack:app";
/// What App::FargateStack tagged its resources with.
pub const ORIGINAL_CREATED_BY: &str = "FargateStack";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "owner", content = "app")]
pub enum Ownership {
    /// Tagged as this stack's (or, where its name or use ties it to this
    /// app, the original tool's).
    Ours,
    /// Untagged, and the config's own records and its name prove it is this
    /// stack's (made by App::FargateStack, which tagged almost nothing):
    /// managed and destroyed as ours, shown as untagged.
    Recorded,
    /// Tagged as another fargate-stack app's.
    OtherStack(String),
    /// Tagged by App::FargateStack, but its name or use is another app's.
    OtherApp,
    /// Exists without our tags: used, never deleted.
    Adopted,
    /// Tags not read (the owning node decides, e.g. a policy by its role).
    Unknown,
}

impl Ownership {
    /// Whether the stack manages it as its own (changes and deletes it).
    pub fn is_ours(&self) -> bool {
        matches!(self, Ownership::Ours | Ownership::Recorded)
    }

    /// Why the stack leaves it alone, when it does.
    pub fn not_ours_because(&self) -> Option<String> {
        match self {
            Ownership::Ours | Ownership::Recorded => None,
            Ownership::OtherStack(o) => Some(format!("belongs to the stack `{o}`")),
            Ownership::OtherApp => Some(
                "was made by App::FargateStack for another app (tagged CreatedBy=FargateStack, but its name or use is not this app's)".into(),
            ),
            Ownership::Adopted | Ownership::Unknown => Some(
                "not created by this stack (no fargate-stack tags, not recorded in the config)"
                    .into(),
            ),
        }
    }
}

/// What besides the tags says whose a resource is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence {
    /// Its name (or what it serves) follows this app's naming:
    /// `Fargate<App>Role`, `<app>-cluster`, a revision with this app's roles.
    pub scoped: bool,
    /// The config records this very resource (a config App::FargateStack
    /// wrote, or a service running the family the config records).
    pub recorded: bool,
}

/// The owner a resource's tags name, for the stack of `app`, weighed with
/// what else is known about it; `Unknown` when the tags were not read.
pub fn of(tags: Option<&BTreeMap<String, String>>, app: &str, evidence: Evidence) -> Ownership {
    let Some(tags) = tags else {
        return if evidence.recorded && evidence.scoped {
            Ownership::Recorded
        } else {
            Ownership::Unknown
        };
    };
    let created_by = tags.get(CREATED_BY.0).map(String::as_str);
    match (created_by, tags.get(APP_TAG)) {
        (Some(by), Some(owner)) if by == CREATED_BY.1 && owner == app => Ownership::Ours,
        (Some(by), Some(owner)) if by == CREATED_BY.1 => Ownership::OtherStack(owner.clone()),
        // The original's tag names no app: only the name says whose it is.
        (Some(ORIGINAL_CREATED_BY), _) if evidence.scoped => Ownership::Ours,
        (Some(ORIGINAL_CREATED_BY), _) => Ownership::OtherApp,
        _ if evidence.recorded && evidence.scoped => Ownership::Recorded,
        _ => Ownership::Adopted,
    }
}

/// Whether `name` is scoped to `app` the way both tools name things: the
/// app's words appear in it as whole words, in order (`Fargate<App>Role`,
/// `<app>-cluster`, `/ecs/<app>`), so the app `web` does not claim
/// `webshop-alb`.
pub fn scoped_to(name: &str, app: &str) -> bool {
    let app = words(app);
    let name = words(name);
    !app.is_empty() && name.windows(app.len()).any(|w| w == app.as_slice())
}

/// Lower-case words: split at anything not a letter or digit, and where a
/// capital follows a small letter or digit (`FargateHttpTestRole`).
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_small = false;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_small = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_small && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_small = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The tags this stack puts on what it creates.
pub fn tags(app: &str) -> Vec<(&'static str, String)> {
    vec![
        (CREATED_BY.0, CREATED_BY.1.to_string()),
        (APP_TAG, app.to_string()),
    ]
}

/// Our tags as a state records them.
pub fn tag_map(app: &str) -> Option<BTreeMap<String, String>> {
    Some(
        tags(app)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_scoped_to_an_app_by_whole_words() {
        for (name, app) in [
            ("FargateHttpTestRole", "http-test"),
            ("http-test-cluster", "http-test"),
            ("/ecs/app-fargatestack/http-test", "http-test"),
            ("my_app-alb", "my_app"),
            ("FargateMyApp2Role", "my-app2"),
        ] {
            assert!(scoped_to(name, app), "{name} is {app}'s");
        }
        for (name, app) in [
            ("webshop-alb", "web"),
            ("FargateOtherRole", "web"),
            ("web-schedule", "report"),
            ("ecsTaskExecutionRole", "my-app"),
        ] {
            assert!(!scoped_to(name, app), "{name} is not {app}'s");
        }
    }

    #[test]
    fn the_original_tag_is_ours_only_where_the_name_is() {
        let tags: BTreeMap<String, String> =
            [("CreatedBy".to_string(), "FargateStack".to_string())].into();
        let scoped = Evidence {
            scoped: true,
            recorded: false,
        };
        assert_eq!(of(Some(&tags), "web", scoped), Ownership::Ours);
        assert_eq!(
            of(Some(&tags), "web", Evidence::default()),
            Ownership::OtherApp
        );
        let untagged = BTreeMap::new();
        assert_eq!(
            of(
                Some(&untagged),
                "web",
                Evidence {
                    recorded: true,
                    scoped: false
                }
            ),
            Ownership::Adopted,
            "a record alone does not vouch for a shared name"
        );
        assert_eq!(
            of(
                Some(&untagged),
                "web",
                Evidence {
                    recorded: true,
                    scoped: true
                }
            ),
            Ownership::Recorded
        );
    }
}
