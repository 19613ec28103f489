//! End-to-end tests of `mlg profile`: the HTML page is well-formed, holds one chart
//! per column plus the heatmap and target chart, reports the right counts and
//! escapes text from the data.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("profile-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Runs `mlg profile` and returns (success, stdout, stderr).
fn mlg_profile(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .arg("profile")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run mlg");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Profiles `data` into `dir/report.html` and returns the page.
fn profile_page(dir: &Path, data: &str, target: Option<&str>) -> String {
    let html = dir.join("report.html");
    let html_arg = html.to_string_lossy().into_owned();
    let mut args = vec![data, "--html", &html_arg];
    if let Some(t) = target {
        args.extend(["--target", t]);
    }
    let (ok, stdout, stderr) = mlg_profile(&args);
    assert!(ok, "mlg profile failed: {stderr}");
    assert!(stdout.contains("wrote"), "{stdout}");
    std::fs::read_to_string(&html).expect("read report")
}

const VOID: [&str; 8] = ["meta", "br", "hr", "img", "input", "link", "wbr", "col"];

/// Checks that every opened tag is closed in order (void elements and `/>` aside),
/// that attribute values are quoted, and that every `&` starts an entity.
fn check_well_formed(page: &str) -> Result<(), String> {
    let bytes = page.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'&' => {
                let end = page[i..].find(';').ok_or(format!("bare & at {i}"))?;
                let entity = &page[i + 1..i + end];
                let ok = (!entity.is_empty() && entity.chars().all(|c| c.is_ascii_alphanumeric()))
                    || entity
                        .strip_prefix('#')
                        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
                if !ok {
                    return Err(format!("bad entity `&{entity};` at {i}"));
                }
                i += end + 1;
            }
            b'<' if page[i..].starts_with("<!--") => {
                i += page[i..].find("-->").ok_or("unclosed comment")? + 3;
            }
            b'<' if page[i..].starts_with("<!") => {
                i += page[i..].find('>').ok_or("unclosed declaration")? + 1;
            }
            b'<' => {
                let closing = bytes.get(i + 1) == Some(&b'/');
                let start = if closing { i + 2 } else { i + 1 };
                let name_len = page[start..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .unwrap_or(0);
                if name_len == 0 {
                    return Err(format!(
                        "stray `<` at {i}: {:?}",
                        &page[i..(i + 30).min(page.len())]
                    ));
                }
                let name = page[start..start + name_len].to_ascii_lowercase();
                // Scan to the tag's `>`, skipping quoted attribute values.
                let mut j = start + name_len;
                let mut quote: Option<u8> = None;
                while j < bytes.len() {
                    match (quote, bytes[j]) {
                        (Some(q), c) if c == q => quote = None,
                        (None, b'"') | (None, b'\'') => quote = Some(bytes[j]),
                        (None, b'<') => return Err(format!("`<` inside tag <{name}> at {j}")),
                        (None, b'>') => break,
                        _ => {}
                    }
                    j += 1;
                }
                if j >= bytes.len() {
                    return Err(format!("unterminated tag <{name}>"));
                }
                let self_closing = bytes[j - 1] == b'/';
                if closing {
                    match stack.pop() {
                        Some(open) if open == name => {}
                        other => return Err(format!("</{name}> at {i} closes {other:?}")),
                    }
                } else if !self_closing && !VOID.contains(&name.as_str()) {
                    stack.push(name.clone());
                }
                i = j + 1;
                if name == "style" && !closing {
                    i += page[i..].find("</style>").ok_or("unclosed style")?;
                }
            }
            _ => i += 1,
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed tags: {stack:?}"))
    }
}

/// Number of `<svg` element openings in `page`.
fn svg_count(page: &str) -> usize {
    page.matches("<svg").count()
}

/// The summary-table row of `column`, as the page writes it.
fn summary_row(page: &str, column: &str) -> String {
    let start = page
        .find(&format!("\">{column}</a></td>"))
        .unwrap_or_else(|| panic!("no summary row for {column}"));
    let end = start + page[start..].find("</tr>").expect("row end");
    page[start..end].to_string()
}

/// Asserts the summary row of `column` shows this kind, missing and distinct count.
fn assert_row(page: &str, column: &str, kind: &str, missing: usize, distinct: usize) {
    let row = summary_row(page, column);
    let expected =
        format!("<td>{kind}</td><td class=\"num\">{missing}</td><td class=\"num\">{distinct}</td>");
    assert!(row.contains(&expected), "{column}: expected {expected} in {row}");
}

/// The text between `<section id="{id}">` and its `</section>`.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = start + page[start..].find("</section>").expect("section end");
    &page[start..end]
}

#[test]
fn penguins_page_reports_columns_target_and_correlations() {
    let dir = scratch("penguins");
    let page = profile_page(&dir, "examples/data/penguins.csv", Some("species"));
    check_well_formed(&page).unwrap();
    assert!(!page.contains("<script"), "the page needs no JavaScript");
    assert!(
        !page.contains("src=") && !page.contains("<link"),
        "no external assets"
    );
    // 8 columns + heatmap + target chart.
    assert_eq!(svg_count(&page), 8 + 1 + 1);
    assert_row(&page, "island", "categorical", 0, 3);
    assert_row(&page, "bill_length_mm", "numeric", 2, 164);
    assert_row(&page, "bill_depth_mm", "numeric", 2, 80);
    assert_row(&page, "flipper_length_mm", "numeric", 2, 55);
    assert_row(&page, "body_mass_g", "numeric", 2, 94);
    assert_row(&page, "sex", "categorical", 11, 2);
    assert_row(&page, "year", "numeric", 0, 3);
    assert_row(&page, "species", "categorical", 0, 3);
    assert!(page.contains("344 rows · 8 columns (5 numeric, 3 categorical)"));

    let target = section(&page, "target");
    assert_eq!(svg_count(target), 1);
    assert!(target.contains("class=\"chart target\""));
    for (level, count) in [("Adelie", 152), ("Gentoo", 124), ("Chinstrap", 68)] {
        assert!(
            target.contains(&format!("<title>{level}: {count}</title>")),
            "{level}"
        );
    }

    let corr = section(&page, "correlations");
    assert_eq!(svg_count(corr), 1);
    // 5 numeric columns: a 5×5 grid of cells, the diagonal exactly 1.
    assert_eq!(corr.matches("<title>").count(), 25);
    assert!(corr.contains("<title>body_mass_g × body_mass_g: 1.00</title>"));
    assert!(corr.contains("<title>flipper_length_mm × body_mass_g: 0.87</title>"));
    assert!(!corr.contains("island"), "categoricals are not correlated");

    // Numeric stats and quantiles for one column; levels for a categorical one.
    let card = section_like(&page, "col-3");
    for stat in [
        "<th>Min</th><td class=\"num\">172</td>",
        "<th>Max</th><td class=\"num\">231</td>",
    ] {
        assert!(card.contains(stat), "{stat} in flipper card");
    }
    for q in ["5%", "25%", "50%", "75%", "95%", "Mean", "Std"] {
        assert!(card.contains(&format!("<th>{q}</th>")), "{q}");
    }
    assert_eq!(card.matches("<rect").count(), 20, "20 histogram bins");
    let sex = section_like(&page, "col-5");
    assert!(sex.contains("<title>male: 168</title>") && sex.contains("<title>female: 165</title>"));
}

/// The `<article>` with this id.
fn section_like<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let end = start + page[start..].find("</article>").expect("article end");
    &page[start..end]
}

#[test]
fn iris_page_without_and_with_a_numeric_target() {
    let dir = scratch("iris");
    let page = profile_page(&dir, "examples/data/iris.csv", None);
    check_well_formed(&page).unwrap();
    assert_eq!(svg_count(&page), 5 + 1);
    assert!(!page.contains("<section id=\"target\">"));
    for (name, distinct) in [
        ("sepal_length_cm", 35),
        ("sepal_width_cm", 23),
        ("petal_length_cm", 43),
        ("petal_width_cm", 22),
        ("target", 3),
    ] {
        assert_row(&page, name, "numeric", 0, distinct);
    }

    // A numeric target with few distinct values is charted as bars.
    let page = profile_page(&dir, "examples/data/iris.csv", Some("target"));
    check_well_formed(&page).unwrap();
    assert_eq!(svg_count(&page), 5 + 1 + 1);
    let target = section(&page, "target");
    for value in ["0", "1", "2"] {
        assert!(
            target.contains(&format!("<title>{value}: 50</title>")),
            "class {value}"
        );
    }
    // Only the report is left behind: the temporary file was renamed over it.
    let files: Vec<_> = std::fs::read_dir(&dir).expect("list").collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn text_from_the_data_is_escaped() {
    let dir = scratch("escape");
    let csv = dir.join("odd.csv");
    std::fs::write(
        &csv,
        "plain,we<&>ird,\"quo\"\"te\"\n1,<b>bold</b>,x\n2,a&b,y\n3,<b>bold</b>,\n",
    )
    .expect("write csv");
    let page = profile_page(&dir, &csv.to_string_lossy(), Some("we<&>ird"));
    check_well_formed(&page).unwrap();
    assert!(page.contains("we&lt;&amp;&gt;ird"));
    assert!(!page.contains("we<&>ird"));
    assert!(page.contains("&lt;b&gt;bold&lt;/b&gt;") && !page.contains("<b>"));
    assert!(page.contains("a&amp;b"));
    assert!(page.contains("quo&quot;te"));
    assert_row(&page, "quo&quot;te", "categorical", 1, 2);
    assert_row(&page, "we&lt;&amp;&gt;ird", "categorical", 0, 2);
    assert_eq!(svg_count(&page), 3 + 1);
    assert!(page.contains("Fewer than two numeric columns"));
}

#[test]
fn a_missing_target_names_the_columns() {
    let dir = scratch("missing-target");
    let html = dir.join("report.html");
    let (ok, _, stderr) = mlg_profile(&[
        "examples/data/penguins.csv",
        "--target",
        "nope",
        "--html",
        &html.to_string_lossy(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("`nope`"), "{stderr}");
    assert!(
        stderr.contains("island, bill_length_mm, bill_depth_mm"),
        "{stderr}"
    );
    assert!(!html.exists());
}

#[test]
fn the_checker_rejects_broken_pages() {
    assert!(check_well_formed("<p><b>x</p></b>").is_err());
    assert!(check_well_formed("<p>a < b</p>").is_err());
    assert!(check_well_formed("<p>a & b</p>").is_err());
    assert!(check_well_formed("<div><p>x</p>").is_err());
    assert!(check_well_formed("<!DOCTYPE html><p title=\"a>b\">x<br></p><svg><rect/></svg>").is_ok());
}

#[test]
fn a_profile_step_writes_the_page_of_the_data_it_sees() {
    let dir = scratch("step");
    std::fs::copy("examples/data/penguins.csv", dir.join("penguins.csv")).unwrap();
    std::fs::write(
        dir.join("w.mlg"),
        "data p = csv(\"penguins.csv\", target = \"species\")\n\
         features prep = p\n  -> impute(numeric, strategy = \"median\")\n  -> profile(\"pages/prep.html\")\n  -> one_hot(categorical)\n\
         model lr = logistic_regression(prep)\n",
    )
    .unwrap();
    let wf = mlg::Workflow::from_file(dir.join("w.mlg")).unwrap();
    let out = mlg::executor::run_with(&wf, &mlg::RunOptions::default(), &mlg_report::profile::Pages).unwrap();
    assert_eq!(out.profiles, [dir.join("pages/prep.html")]);
    let page = std::fs::read_to_string(dir.join("pages/prep.html")).unwrap();
    check_well_formed(&page).unwrap();
    // 7 feature columns + the target, the heatmap, the target chart.
    assert_eq!(svg_count(&page), 8 + 1 + 1);
    // The step sees imputed numbers (no missing; the median 44.45 is a new, 165th
    // distinct value) but `sex` before any imputation.
    assert_row(&page, "bill_length_mm", "numeric", 0, 165);
    assert_row(&page, "sex", "categorical", 11, 2);
}

/// A table with the columns a user should not feed a model as they are gets
/// one alert each, with the fix, on the terminal and atop the page: an ID
/// (text and a whole-number row number), a constant, a 60-level category,
/// a skewed number and a mostly missing note; an ordinary column gets none,
/// and the ID's card shows no bars of one row each.
#[test]
fn alerts_name_the_columns_to_fix() {
    let dir = scratch("alerts");
    let mut csv = String::from("id,row_no,constant,city,income,note,age\n");
    for i in 0..200u64 {
        let income = if i % 40 == 0 {
            1_000_000
        } else {
            20_000 + (i * 37) % 500
        };
        let note = if i % 4 == 0 { "vip" } else { "" };
        csv.push_str(&format!(
            "c{i:04},{i},x,city{},{income},{note},{}\n",
            i % 60,
            20 + (i * 7) % 50
        ));
    }
    let data = dir.join("alerts.csv");
    std::fs::write(&data, csv).unwrap();
    let html = dir.join("alerts.html");
    let (ok, stdout, stderr) = mlg_profile(&[data.to_str().unwrap(), "--html", html.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let kinds: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_once(": ").map(|(k, _)| k))
        .filter(|k| !k.starts_with("wrote"))
        .collect();
    assert_eq!(
        kinds,
        [
            "unique",
            "unique",
            "constant",
            "high cardinality",
            "skewed",
            "mostly missing"
        ],
        "{stdout}"
    );
    assert!(stdout.contains("every value of `id` is distinct (an ID?): one_hot would make 200 columns of it; -> drop(cols(\"id\"))"), "{stdout}");
    assert!(!stdout.contains("`age`"), "{stdout}");
    let page = std::fs::read_to_string(&html).unwrap();
    check_well_formed(&page).unwrap();
    assert!(section(&page, "alerts").contains("Alerts (6)"));
    assert!(
        page.contains("every value distinct"),
        "the ID's chart says why it has no bars"
    );
}
