//! `list-zones`: the Route 53 hosted zones of a domain, its parents and its
//! children (with the Route 53 profile when one is given), longest first:
//! the first public one is where a public service's records go.

use anyhow::Result;

use crate::aws::{Aws, AwsOptions};
use crate::engine;
use crate::output::table;
use crate::settings::Settings;

pub async fn run(settings: &Settings, domain: &str) -> Result<u8> {
    // A config is optional here: the profile may come from flags alone.
    let aws = match engine::load_read_only(settings) {
        Ok((loaded, _)) => engine::connect(settings, &loaded).await,
        Err(_) => {
            Aws::connect(&AwsOptions {
                profile: settings.profile(None),
                region: settings.region(None),
                route53_profile: settings.route53_profile.clone(),
            })
            .await
        }
    };
    let wanted = domain.trim_end_matches('.').to_ascii_lowercase();
    // The domain's own zone, its parents and its children. (A listing by
    // name starts at the domain in AWS's order, where parents come first,
    // so all zones are read and filtered.)
    let mut zones: Vec<(String, String, bool, Option<i64>)> =
        crate::discovery::web::all_zones(&aws)
            .await?
            .into_iter()
            .filter(|z| {
                z.name == wanted
                    || wanted.ends_with(&format!(".{}", z.name))
                    || z.name.ends_with(&format!(".{wanted}"))
            })
            .map(|z| (z.id, format!("{}.", z.name), z.private, z.records))
            .collect();
    zones.sort_by_key(|z| std::cmp::Reverse(z.1.len()));
    settings.out.show(
        |_| {
            if zones.is_empty() {
                return format!("no hosted zones for {wanted}");
            }
            let mut t = table(&["Zone Id", "Name", "Type", "Records"]);
            for (id, name, private, records) in &zones {
                t.add_row(vec![
                    id.clone(),
                    name.clone(),
                    if *private { "private" } else { "public" }.into(),
                    records.map_or("-".into(), |r| r.to_string()),
                ]);
            }
            t.to_string()
        },
        || {
            zones
                .iter()
                .map(|(id, name, private, records)| serde_json::json!({"zone_id": id, "name": name, "private": private, "records": records}))
                .collect()
        },
    );
    Ok(0)
}
