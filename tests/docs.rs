//! The registry docs and the examples they embed.
//!
//! `docs/` is generated from the provider's schema, `examples/` and
//! `docs-templates/` by `tests/docgen`: the first tests fail when the files on
//! disk differ from what the generator renders now (`make docs`, which sets
//! UPDATE_DOCS=1, rewrites them instead). The others run every example under
//! real Terraform against `clerk-emulator`: init from the test mirror,
//! validate, import where the example shows an import, apply, and a second
//! plan that must be empty.

mod support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use support::{Emulator, Workspace, LIVE_KEY, SOURCE, TEST_KEY};
mod docgen;

use docgen as docs;
use docs::{Kind, Page};
use terraform_provider_clerk::framework::{Provider, Schema};
use terraform_provider_clerk::provider::ClerkProvider;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rendered() -> Vec<Page> {
    let provider = ClerkProvider::default();
    docs::render_all(provider.schemas(), &repo().join("examples"))
        .unwrap_or_else(|error| panic!("rendering the docs failed: {error}"))
}

/// Where `expected` and `actual` first differ, for the failure message.
fn first_difference(expected: &str, actual: &str) -> String {
    let mut expected_lines = expected.lines();
    let mut actual_lines = actual.lines();
    for number in 1.. {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(e), Some(a)) if e == a => continue,
            (None, None) => break,
            (e, a) => {
                return format!(
                    "line {number}: generated {:?}, on disk {:?}",
                    e.unwrap_or("<end of file>"),
                    a.unwrap_or("<end of file>")
                )
            }
        }
    }
    "line endings differ".to_string()
}

#[test]
fn docs_on_disk_match_the_schema_examples_and_templates() {
    let pages = rendered();
    let docs_dir = repo().join("docs");
    let update = std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1");
    let mut problems = Vec::new();
    for page in &pages {
        let path = docs_dir.join(&page.path);
        let on_disk = std::fs::read_to_string(&path).ok();
        if on_disk.as_deref() == Some(page.content.as_str()) {
            continue;
        }
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &page.content).unwrap();
            eprintln!("wrote docs/{}", page.path);
            continue;
        }
        problems.push(match on_disk {
            None => format!("docs/{} is missing", page.path),
            Some(text) => format!(
                "docs/{} differs ({})",
                page.path,
                first_difference(&page.content, &text)
            ),
        });
    }
    // The generated directories hold generated pages only: a page for a
    // resource or data source that no longer exists is stale too.
    let generated: BTreeSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    for dir in ["resources", "data-sources"] {
        let Ok(entries) = std::fs::read_dir(docs_dir.join(dir)) else {
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let relative = format!("{dir}/{name}");
            if generated.contains(relative.as_str()) {
                continue;
            }
            if update {
                std::fs::remove_file(docs_dir.join(&relative)).unwrap();
                eprintln!("removed docs/{relative}");
            } else {
                problems.push(format!(
                    "docs/{relative} documents nothing the provider has"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/ is out of date with the schema, examples/ or docs-templates/:\n  {}\n\
         Run `make docs` to regenerate it.",
        problems.join("\n  ")
    );
}

/// Each page with the schema it documents.
fn pages_with_schemas() -> Vec<(Page, Schema)> {
    let provider = ClerkProvider::default();
    let schemas = provider.schemas();
    let pages = rendered();
    let find = |path: String| {
        pages
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no page {path}"))
            .clone()
    };
    let mut out = vec![(find("index.md".to_string()), schemas.provider.clone())];
    for (name, schema) in &schemas.resources {
        out.push((find(docs::page_path(Kind::Resource, name)), schema.clone()));
    }
    for (name, schema) in &schemas.data_sources {
        out.push((
            find(docs::page_path(Kind::DataSource, name)),
            schema.clone(),
        ));
    }
    assert_eq!(out.len(), pages.len(), "a page documents no schema");
    out
}

#[test]
fn every_attribute_is_described_once_and_only_by_the_schema() {
    for (page, schema) in pages_with_schemas() {
        for attribute in &schema.block.attributes {
            let line = docs::attribute_line(attribute);
            assert_eq!(
                page.content.matches(&line).count(),
                1,
                "docs/{} must list `{}` exactly once as\n{line}",
                page.path,
                attribute.name
            );
            // Hand-written prose must not repeat (and so fork) a description.
            assert_eq!(
                page.content.matches(attribute.description.trim()).count(),
                1,
                "docs/{} repeats the description of `{}` outside the schema list",
                page.path,
                attribute.name
            );
        }
        assert!(
            page.content.contains(schema.block.description.trim()),
            "docs/{} lacks the schema's description",
            page.path
        );
    }
}

#[test]
fn pages_embed_their_examples_and_the_generated_tables() {
    let pages = rendered();
    let page = |path: &str| {
        pages
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no page {path}"))
            .content
            .clone()
    };
    let example = |path: &str| {
        std::fs::read_to_string(repo().join("examples").join(path))
            .unwrap()
            .trim_end()
            .to_string()
    };

    let index = page("index.md");
    assert!(index.contains("page_title: \"clerk Provider\""));
    assert!(index.contains(&format!(
        "## Example Usage\n\n```terraform\n{}\n```",
        example("provider/provider.tf")
    )));
    assert!(index.contains("| `CLERK_SECRET_KEY` | `secret_key` |"));
    assert!(index.contains(&format!("source  = \"{SOURCE}\"")));

    let resource = page("resources/instance_settings.md");
    assert!(resource.contains("# clerk_instance_settings (Resource)"));
    assert!(resource.contains(&format!(
        "```terraform\n{}\n```",
        example("resources/clerk_instance_settings/resource.tf")
    )));
    assert!(resource.contains(&format!(
        "## Import\n\nImport is supported using the following syntax:\n\n```shell\n{}\n```",
        example("resources/clerk_instance_settings/import.sh")
    )));
    assert!(resource.contains(&docs::readback_table("clerk_instance_settings")));
    assert!(resource.contains("`drift_grace_seconds`, 2 minutes by default"));
    let schema_at = resource.find("## Schema").unwrap();
    let import_at = resource.find("## Import").unwrap();
    assert!(resource.find("## Example Usage").unwrap() < schema_at);
    assert!(schema_at < import_at);

    let data = page("data-sources/instance.md");
    assert!(data.contains("# clerk_instance (Data Source)"));
    assert!(data.contains(&format!(
        "```terraform\n{}\n```",
        example("data-sources/clerk_instance/data-source.tf")
    )));
    assert!(!data.contains("preferred_sign_in_strategy_when_password_required` ("));
}

// ---------------------------------------------------------------------------
// Examples under real Terraform.

/// The example directories this file checks, relative to `examples/`.
const EXAMPLES: &[&str] = &[
    "data-sources/clerk_instance",
    "data-sources/clerk_instance_communication",
    "data-sources/clerk_instance_protect",
    "data-sources/clerk_instance_restrictions",
    "data-sources/clerk_oauth_application_settings",
    "data-sources/clerk_organization_settings",
    "provider",
    "quickstart",
    "resources/clerk_allowlist_identifier",
    "resources/clerk_blocklist_identifier",
    "resources/clerk_domain",
    "resources/clerk_instance_communication",
    "resources/clerk_instance_protect",
    "resources/clerk_instance_restrictions",
    "resources/clerk_instance_settings",
    "resources/clerk_jwt_template",
    "resources/clerk_oauth_application_settings",
    "resources/clerk_organization_settings",
    "resources/clerk_redirect_url",
    "whole-instance",
];

/// Every directory under `examples/` holding a `.tf` file.
fn example_dirs(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            example_dirs(&path, found);
        } else if path.extension().is_some_and(|e| e == "tf") {
            let relative = dir.strip_prefix(repo().join("examples")).unwrap();
            found.insert(relative.to_string_lossy().into_owned());
        }
    }
}

#[test]
fn every_example_directory_is_checked() {
    let mut found = BTreeSet::new();
    example_dirs(&repo().join("examples"), &mut found);
    let checked: BTreeSet<String> = EXAMPLES.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        found, checked,
        "add a test for each example directory to tests/docs.rs"
    );
}

/// Names of the variables declared without a default.
fn required_variables(config: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = config;
    while let Some(start) = rest.find("variable \"") {
        let after = &rest[start + "variable \"".len()..];
        let name = after.split('"').next().unwrap_or_default().to_string();
        // A block is `{}` on its line, or runs to the first `}` that starts
        // a line.
        let line_end = after.find('\n').unwrap_or(after.len());
        let block_end = if after[..line_end].contains('}') {
            line_end
        } else {
            after.find("\n}").unwrap_or(after.len())
        };
        if !after[..block_end].contains("default") {
            names.push(name);
        }
        rest = &after[block_end..];
    }
    names
}

/// A value for a variable an example requires.
fn variable_value(name: &str) -> &'static str {
    match name {
        n if n.ends_with("secret_key") && n.contains("production") => LIVE_KEY,
        n if n.ends_with("secret_key") => TEST_KEY,
        _ => panic!("an example requires variable {name:?}; give it a value in tests/docs.rs"),
    }
}

/// The instance the test key belongs to, created by asking for it.
fn instance_id(emulator: &Emulator) -> String {
    let mut stream = TcpStream::connect(&emulator.addr).unwrap();
    write!(
        stream,
        "GET /v1/instance HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TEST_KEY}\r\nConnection: close\r\n\r\n",
        emulator.addr
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let start = body.find('{').expect("a JSON body");
    let end = body.rfind('}').expect("a JSON body");
    let instance: serde_json::Value = serde_json::from_str(&body[start..=end]).unwrap();
    instance["id"].as_str().expect("an instance id").to_string()
}

/// The `terraform import ADDRESS ID` lines of an example's import.sh.
fn import_commands(script: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(!lines.is_empty(), "import.sh should hold a command");
    lines
        .iter()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                // Shell quotes around an argument are not part of it.
                ["terraform", "import", address, id] => {
                    let unquote = |word: &str| word.trim_matches('\'').to_string();
                    (unquote(address), unquote(id))
                }
                _ => panic!("import.sh should read `terraform import ADDRESS ID`: {line}"),
            }
        })
        .collect()
}

/// The prefix of an object id, up to and including its first `_`.
fn id_prefix(id: &str) -> &str {
    id.find('_').map_or("", |i| &id[..=i])
}

fn check_example(relative: &str) {
    let source = repo().join("examples").join(relative);
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    let mut configs = String::new();
    let mut imports = Vec::new();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if name.ends_with(".tf") {
            std::fs::write(ws.path().join(&name), &text).unwrap();
            configs.push_str(&text);
        } else if name == "import.sh" {
            imports = import_commands(&text);
        }
    }
    if !configs.contains("required_providers") {
        std::fs::write(
            ws.path().join("terraform.tf"),
            format!(
                "terraform {{\n  required_providers {{\n    clerk = {{\n      source = \"{SOURCE}\"\n    }}\n  }}\n}}\n"
            ),
        )
        .unwrap();
    }
    for name in required_variables(&configs) {
        ws.set_env(&format!("TF_VAR_{name}"), variable_value(&name));
    }

    ws.init();
    let validate = ws.run(&["validate", "-no-color"]);
    assert!(
        validate.ok() && validate.stdout.contains("The configuration is valid"),
        "examples/{relative} does not validate:\n{}",
        validate.combined()
    );
    // A singleton is imported by instance ID before the apply adopts it; a
    // collection object is imported after the apply created it.
    let (instance_imports, object_imports): (Vec<_>, Vec<_>) = imports
        .into_iter()
        .partition(|(_, example_id)| example_id.starts_with("ins_"));
    for (address, _) in &instance_imports {
        let id = instance_id(&emulator);
        let run = ws.run(&["import", "-input=false", "-no-color", address, &id]);
        assert!(
            run.ok(),
            "examples/{relative}/import.sh does not work with the example:\n{}",
            run.combined()
        );
    }
    let apply = ws.apply();
    assert!(
        apply.ok(),
        "examples/{relative} does not apply against clerk-emulator:\n{}",
        apply.combined()
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(
        code,
        0,
        "examples/{relative}: a plan after apply should be empty:\n{}",
        plan.combined()
    );
    if configs.contains("resource \"clerk_") {
        assert!(
            !emulator.writes().is_empty(),
            "examples/{relative}: apply sent no settings"
        );
    }
    // Each collection import line works: by the object's ID (the example
    // shows one of the same kind) or by the natural key the example
    // configures.
    for (address, example_id) in &object_imports {
        let real_id = ws.resource_values(address)["id"]
            .as_str()
            .unwrap_or_else(|| panic!("examples/{relative}: {address} is not in state"))
            .to_string();
        let natural_key = configs.contains(&format!("\"{example_id}\""));
        assert!(
            natural_key || id_prefix(example_id) == id_prefix(&real_id),
            "examples/{relative}/import.sh: {example_id} is neither an ID like {real_id} nor a \
             value the example configures"
        );
        let id = if natural_key { example_id } else { &real_id };
        ws.run(&["state", "rm", address]).assert_ok();
        emulator.clear_requests();
        let run = ws.run(&["import", "-input=false", "-no-color", address, id]);
        assert!(
            run.ok(),
            "examples/{relative}/import.sh does not work with the example:\n{}",
            run.combined()
        );
        assert_eq!(ws.resource_values(address)["id"], real_id.as_str());
        // Attributes Clerk never returns (sent on create only) may show as
        // a change after import; applying it only records them.
        ws.apply().assert_ok();
        assert!(
            emulator.writes().is_empty(),
            "import or apply after import wrote: {:?}",
            emulator.writes()
        );
        let (code, plan) = ws.plan_exit_code();
        assert_eq!(
            code,
            0,
            "examples/{relative}: a plan after import should be empty:\n{}",
            plan.combined()
        );
    }
}

#[test]
fn provider_example_validates_and_applies() {
    check_example("provider");
}

#[test]
fn resource_example_imports_validates_and_applies() {
    check_example("resources/clerk_instance_settings");
}

#[test]
fn data_source_example_validates_and_applies() {
    check_example("data-sources/clerk_instance");
}

#[test]
fn restrictions_example_imports_validates_and_applies() {
    check_example("resources/clerk_instance_restrictions");
}

#[test]
fn restrictions_data_source_example_validates_and_applies() {
    check_example("data-sources/clerk_instance_restrictions");
}

#[test]
fn whole_instance_example_validates_and_applies() {
    check_example("whole-instance");
}

#[test]
fn organization_settings_example_imports_validates_and_applies() {
    check_example("resources/clerk_organization_settings");
}

#[test]
fn organization_settings_data_source_example_validates_and_applies() {
    check_example("data-sources/clerk_organization_settings");
}

#[test]
fn redirect_url_example_applies_and_imports_by_id_and_url() {
    check_example("resources/clerk_redirect_url");
}

#[test]
fn allowlist_identifier_example_applies_and_imports_by_id_and_identifier() {
    check_example("resources/clerk_allowlist_identifier");
}

#[test]
fn blocklist_identifier_example_applies_and_imports_by_id_and_identifier() {
    check_example("resources/clerk_blocklist_identifier");
}

#[test]
fn jwt_template_example_applies_and_imports_by_id_and_name() {
    check_example("resources/clerk_jwt_template");
}

#[test]
fn domain_example_applies_and_imports_by_id_and_name() {
    check_example("resources/clerk_domain");
}

#[test]
fn protect_example_imports_validates_and_applies() {
    check_example("resources/clerk_instance_protect");
}

#[test]
fn protect_data_source_example_validates_and_applies() {
    check_example("data-sources/clerk_instance_protect");
}

#[test]
fn communication_example_imports_validates_and_applies() {
    check_example("resources/clerk_instance_communication");
}

#[test]
fn communication_data_source_example_validates_and_applies() {
    check_example("data-sources/clerk_instance_communication");
}

#[test]
fn oauth_application_settings_example_imports_validates_and_applies() {
    check_example("resources/clerk_oauth_application_settings");
}

#[test]
fn oauth_application_settings_data_source_example_validates_and_applies() {
    check_example("data-sources/clerk_oauth_application_settings");
}

#[test]
fn quickstart_example_validates_and_applies() {
    check_example("quickstart");
}

#[test]
fn required_variables_are_found() {
    let config = "variable \"a\" {\n  type = string\n}\n\nvariable \"b\" {\n  default = 1\n}\nvariable \"c\" {}\nvariable \"d\" {\n  default = 2\n}\n";
    assert_eq!(required_variables(config), ["a", "c"]);
}

// ---------------------------------------------------------------------------
// Advice the hand-written prose gives, checked.

#[test]
fn replacing_the_resource_sends_every_configured_setting_again() {
    let page = rendered()
        .into_iter()
        .find(|p| p.path == "resources/instance_settings.md")
        .unwrap();
    assert!(page
        .content
        .contains("terraform apply -replace=clerk_instance_settings.this"));

    let emulator = Emulator::start();
    let ws = Workspace::new(&emulator);
    ws.write_config(
        "resource \"clerk_instance_settings\" \"this\" {\n  hibp = true\n  preferred_sign_in_strategy_when_password_required = \"otp\"\n}",
    );
    ws.init();
    ws.apply().assert_ok();
    emulator.clear_requests();
    ws.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-replace=clerk_instance_settings.this",
    ])
    .assert_ok();
    assert_eq!(
        emulator.patches(),
        vec![serde_json::json!({
            "hibp": true,
            "preferred_sign_in_strategy_when_password_required": "otp",
        })]
    );
}
