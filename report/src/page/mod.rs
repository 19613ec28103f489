//! What every page of mlg-report shares: one style sheet, HTML escaping
//! and the inline SVG toolkit ([`svg`]). Pages are self-contained: inline
//! CSS and SVG, no scripts, no external assets.

pub mod svg;

/// Escapes `text` for HTML and SVG text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The style sheet of every page (profile, evaluation, drift).
pub const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:0 0 8px;word-break:break-all}
.meta{color:#555;margin:0 0 8px}
table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 10px 3px 0;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.summary td,table.summary th{border-bottom:1px solid #eee;padding-right:18px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:16px}
article{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:12px 14px}
.body{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
table.stats{min-width:140px}
table.stats th{color:#555;font-weight:normal}
.badge{font-size:11px;font-weight:normal;border-radius:9px;padding:1px 8px;margin-left:8px;vertical-align:middle}
.numeric{background:#e3ecf7;color:#2a5585}.categorical{background:#f7ebdc;color:#8a5316}
ul.alerts{padding-left:18px}ul.alerts li{margin:4px 0}ul.alerts .badge{background:#fde2c4;color:#7a4100;margin:0 6px 0 0}
.level{max-width:150px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
svg{font-size:11px;font-family:inherit;fill:#333;overflow:visible}
svg .grid{stroke:#e6e6e6}svg .axis{stroke:#888}svg .frame{stroke:#888}svg .muted{fill:#888}
svg rect:hover{opacity:.8}
";
