//! `list-zones`: Route 53 hosted zones for a domain (with the Route 53
//! profile when one is given).

use anyhow::Result;

use super::Settings;
use super::stack;
use crate::aws::{Aws, AwsOptions, AwsResultExt};
use crate::output::{Format, table};

pub async fn run(settings: &Settings, domain: &str) -> Result<u8> {
    // A config is optional here: the profile may come from flags alone.
    let aws = match stack::load_read_only(settings) {
        Ok((loaded, _)) => stack::connect(settings, &loaded).await,
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
    let mut zones = Vec::new();
    let mut marker: Option<(String, String)> = None;
    loop {
        let mut req = aws.route53.list_hosted_zones_by_name().dns_name(&wanted);
        if let Some((name, id)) = &marker {
            req = req.dns_name(name).hosted_zone_id(id);
        }
        let out = req.send().await.ctx("route53 ListHostedZonesByName")?;
        for z in out.hosted_zones() {
            let name = z.name().trim_end_matches('.').to_ascii_lowercase();
            if name == wanted
                || wanted.ends_with(&format!(".{name}"))
                || name.ends_with(&format!(".{wanted}"))
            {
                let private = z.config().map(|c| c.private_zone()).unwrap_or(false);
                zones.push((
                    z.id().trim_start_matches("/hostedzone/").to_string(),
                    z.name().to_string(),
                    private,
                    z.resource_record_set_count(),
                ));
            }
        }
        match (
            out.is_truncated(),
            out.next_dns_name(),
            out.next_hosted_zone_id(),
        ) {
            (true, Some(n), Some(i)) => marker = Some((n.to_string(), i.to_string())),
            _ => break,
        }
    }
    if settings.format == Format::Json {
        let doc: Vec<_> = zones
            .iter()
            .map(|(id, name, private, records)| serde_json::json!({"zone_id": id, "name": name, "private": private, "records": records}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(0);
    }
    if zones.is_empty() {
        println!("no hosted zones for {wanted}");
        return Ok(0);
    }
    let mut t = table(&["Zone Id", "Name", "Type", "Records"]);
    for (id, name, private, records) in zones {
        t.add_row(vec![
            id,
            name,
            if private { "private" } else { "public" }.into(),
            records.map_or("-".into(), |r| r.to_string()),
        ]);
    }
    println!("{t}");
    Ok(0)
}
