//! Task sizes: the original's presets and the full table of CPU/memory
//! pairs that Fargate accepts.

/// (name, cpu units, memory MiB), as App::FargateStack's `%ECS_TASK_PROFILES`.
pub const PRESETS: &[(&str, u32, u32)] = &[
    ("tiny", 256, 512),
    ("small", 512, 1024),
    ("medium", 1024, 2048),
    ("large", 2048, 4096),
    ("xlarge", 4096, 8192),
    ("2xlarge", 8192, 16384),
];

pub fn preset(name: &str) -> Option<(u32, u32)> {
    PRESETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, c, m)| (*c, *m))
}

pub fn preset_for(cpu: u32, memory: u32) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(_, c, m)| *c == cpu && *m == memory)
        .map(|(n, _, _)| *n)
}

/// Memory values (MiB) Fargate accepts for a CPU value, or None for a CPU
/// value Fargate does not offer.
pub fn memory_options(cpu: u32) -> Option<Vec<u32>> {
    let range = |from: u32, to: u32, step: u32| (from..=to).step_by(step as usize).collect();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => range(1024, 4096, 1024),
        1024 => range(2048, 8192, 1024),
        2048 => range(4096, 16384, 1024),
        4096 => range(8192, 30720, 1024),
        8192 => range(16384, 61440, 4096),
        16384 => range(32768, 122880, 8192),
        _ => return None,
    })
}

pub const CPU_VALUES: &[u32] = &[256, 512, 1024, 2048, 4096, 8192, 16384];

/// `1024`, `1 vCPU`, `0.25 vcpu`.
pub fn parse_cpu(text: &str) -> Option<u32> {
    let t = text.trim().to_ascii_lowercase();
    if let Some(v) = t.strip_suffix("vcpu") {
        let v: f64 = v.trim().parse().ok()?;
        let units = v * 1024.0;
        return (units.fract() == 0.0 && units > 0.0).then_some(units as u32);
    }
    t.parse().ok()
}

/// `2048`, `2 GB`, `2GiB`, `512 MB`, `0.5 GB`.
pub fn parse_memory(text: &str) -> Option<u32> {
    let t = text.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "m" | "mb" | "mib" => 1.0,
        "g" | "gb" | "gib" => 1024.0,
        _ => return None,
    };
    let mib = number * factor;
    (mib.fract() == 0.0 && mib > 0.0).then_some(mib as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_strings() {
        assert_eq!(parse_memory("2 GB"), Some(2048));
        assert_eq!(parse_memory("2GiB"), Some(2048));
        assert_eq!(parse_memory("512"), Some(512));
        assert_eq!(parse_memory("512 MB"), Some(512));
        assert_eq!(parse_memory("0.5 GB"), Some(512));
        assert_eq!(parse_memory("lots"), None);
        assert_eq!(parse_memory("2 TB"), None);
    }

    #[test]
    fn cpu_strings() {
        assert_eq!(parse_cpu("1 vCPU"), Some(1024));
        assert_eq!(parse_cpu("0.25 vcpu"), Some(256));
        assert_eq!(parse_cpu("2048"), Some(2048));
        assert_eq!(parse_cpu("fast"), None);
    }

    #[test]
    fn fargate_pairs() {
        assert!(memory_options(256).unwrap().contains(&2048));
        assert!(!memory_options(256).unwrap().contains(&4096));
        assert!(memory_options(16384).unwrap().contains(&122880));
        assert!(memory_options(8192).unwrap().contains(&20480));
        assert!(!memory_options(8192).unwrap().contains(&17408));
        assert!(memory_options(300).is_none());
        for (_, cpu, mem) in PRESETS {
            assert!(memory_options(*cpu).unwrap().contains(mem));
        }
    }
}
