//! The Jinja tables of [`super::jinja`] against ansible-core 2.19: each
//! example renders as Ansible renders it, and every table entry is used by
//! at least one example (a new entry without one fails the test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::jinja::{FILTERS, FUNCTIONS, LOOKUPS, MAGIC, METHODS, STATEMENTS, TESTS};
use super::template::Templar;
use super::{Inventory, LoadOptions};

/// The inventory the examples are rendered in (`inv/hosts.json`).
const INVENTORY: &str = r#"{
 "all": {
  "vars": {
   "site": " Lon-2 ",
   "port_text": "2201",
   "flag": "yes",
   "items": [
    "a",
    "b"
   ],
   "none_var": null,
   "t0": "{{ '/a/b.c' | basename }}",
   "t1": "{{ flag | bool }}",
   "t2": "{{ site | trim | capitalize }}",
   "t3": "{{ nope | d('dflt') }}",
   "t4": "{{ nope | default('dflt') }}{{ '' | default('e', true) }}",
   "t5": "{{ '/a/b/c.txt' | dirname }}",
   "t6": "{{ items | first }}-{{ items | last }}",
   "t7": "{{ '%s:%d' | format(site | trim, 5) }}",
   "t8": "{{ port_text | int + 1 }}",
   "t9": "{{ items | join(',') }}",
   "t10": "{{ site | length }}",
   "t11": "{{ site | lower }}{{ site | upper }}",
   "t12": "{{ inventory_hostname | regex_replace('^(?P<n>[a-z]+)(\\d+)', '\\g<n>-\\2') }}",
   "t13": "{{ site | replace('-', '_') }}",
   "t14": "{{ 'a.b.c' | split('.') | last }}",
   "t15": "{{ 5 | string ~ 'x' }}",
   "t16": "{{ nope is defined }}{{ nope is undefined }}",
   "t17": "{{ none_var is none }}{{ 5 is number }}{{ site is string }}",
   "t18": "{{ lookup('env', 'SSHFLEET_TABLE_UNSET', default='x') }}{{ lookup('ansible.builtin.env', 'SSHFLEET_TABLE_UNSET') }}",
   "t19": "{{ query('env', 'SSHFLEET_TABLE_UNSET') | length }}{{ q('env', 'SSHFLEET_TABLE_UNSET') | length }}",
   "t20": "{{ site.strip().lower().replace('-', '') }}",
   "t21": "{{ site.lstrip() }}|{{ site.rstrip() }}|{{ site.upper() }}",
   "t22": "{{ inventory_hostname.split('.')[0] }}{{ inventory_hostname.startswith('esa') }}{{ inventory_hostname.endswith('.com') }}",
   "t23": "{% if flag | bool %}on{% elif site %}site{% else %}off{% endif %}",
   "t24": "{{ inventory_hostname_short }} {{ group_names | join(',') }} {{ groups['web'] | length }}",
   "t25": "{{ hostvars[groups['bastions'][0]].addr }}",
   "t26": "{{ inventory_file | basename }} {{ inventory_dir | basename }}",
   "t27": "{{ inventory_hostname }}"
  },
  "children": {
   "web": {
    "hosts": {
     "esa01.example.com": null,
     "10.0.0.7": null
    }
   },
   "bastions": {
    "hosts": {
     "bastion01.example.com": {
      "addr": "{{ inventory_hostname_short }}.mgmt"
     }
    }
   }
  }
 }
}"#;

/// Each template with what ansible-core 2.19.14 renders for esa01.example.com
/// of [`INVENTORY`] (generated with ansible-core's Templar).
const EXAMPLES: &[(&str, &str)] = &[
    ("{{ '/a/b.c' | basename }}", "\"b.c\""),
    ("{{ flag | bool }}", "true"),
    ("{{ site | trim | capitalize }}", "\"Lon-2\""),
    ("{{ nope | d('dflt') }}", "\"dflt\""),
    (
        "{{ nope | default('dflt') }}{{ '' | default('e', true) }}",
        "\"dflte\"",
    ),
    ("{{ '/a/b/c.txt' | dirname }}", "\"/a/b\""),
    ("{{ items | first }}-{{ items | last }}", "\"a-b\""),
    ("{{ '%s:%d' | format(site | trim, 5) }}", "\"Lon-2:5\""),
    ("{{ port_text | int + 1 }}", "2202"),
    (
        "{{ '_22' | int }} {{ '0x_1f' | int(base=16) }} {{ '1_0e1_0' | int }} {{ '1__0' | int(7) }}",
        "\"0 31 100000000000 7\"",
    ),
    ("{{ items | join(',') }}", "\"a,b\""),
    ("{{ site | length }}", "7"),
    ("{{ site | lower }}{{ site | upper }}", "\" lon-2  LON-2 \""),
    (
        "{{ inventory_hostname | regex_replace('^(?P<n>[a-z]+)(\\d+)', '\\g<n>-\\2') }}",
        "\"esa-01.example.com\"",
    ),
    ("{{ site | replace('-', '_') }}", "\" Lon_2 \""),
    ("{{ 'a.b.c' | split('.') | last }}", "\"c\""),
    ("{{ 5 | string ~ 'x' }}", "\"5x\""),
    (
        "{{ nope is defined }}{{ nope is undefined }}",
        "\"FalseTrue\"",
    ),
    (
        "{{ none_var is none }}{{ 5 is number }}{{ site is string }}",
        "\"TrueTrueTrue\"",
    ),
    (
        "{{ lookup('env', 'SSHFLEET_TABLE_UNSET', default='x') }}{{ lookup('ansible.builtin.env', 'SSHFLEET_TABLE_UNSET') }}",
        "\"x\"",
    ),
    (
        "{{ query('env', 'SSHFLEET_TABLE_UNSET') | length }}{{ q('env', 'SSHFLEET_TABLE_UNSET') | length }}",
        "\"11\"",
    ),
    ("{{ site.strip().lower().replace('-', '') }}", "\"lon2\""),
    (
        "{{ site.lstrip() }}|{{ site.rstrip() }}|{{ site.upper() }}",
        "\"Lon-2 | Lon-2| LON-2 \"",
    ),
    (
        "{{ inventory_hostname.split('.')[0] }}{{ inventory_hostname.startswith('esa') }}{{ inventory_hostname.endswith('.com') }}",
        "\"esa01TrueTrue\"",
    ),
    (
        "{% if flag | bool %}on{% elif site %}site{% else %}off{% endif %}",
        "\"on\"",
    ),
    (
        "{{ inventory_hostname_short }} {{ group_names | join(',') }} {{ groups['web'] | length }}",
        "\"esa01 web 2\"",
    ),
    (
        "{{ hostvars[groups['bastions'][0]].addr }}",
        "\"bastion01.mgmt\"",
    ),
    (
        "{{ inventory_file | basename }} {{ inventory_dir | basename }}",
        "\"hosts.json inv\"",
    ),
    ("{{ inventory_hostname }}", "\"esa01.example.com\""),
    // `~` and text as Python's str(), floats as repr(float), dicts in
    // their order (issue 25).
    ("{{ 'a' ~ true ~ none ~ flag }}", "\"aTrueNoneyes\""),
    (
        "{{ 1e20 ~ '|' ~ 1.5e-5 ~ '|' ~ 0.1 ~ '|' ~ 2.0 }}",
        "\"1e+20|1.5e-05|0.1|2.0\"",
    ),
    (
        "{{ [1, true, none] ~ {'b': none, 'a': 1.0} }}",
        "\"[1, True, None]{'b': None, 'a': 1.0}\"",
    ),
    ("x{{ {'b': 1, 'a': 2} }}", "\"x{'b': 1, 'a': 2}\""),
    // String literals are raw in 2.19: no escape is processed.
    ("{{ 'a\\b' ~ '\\x41' ~ '\\n' }}", "\"a\\\\b\\\\x41\\\\n\""),
    // Undefined is chainable: `.x` and `[k]` of undefined are undefined.
    (
        "{{ nope.x | default('d') }}{{ hostvars['missing'].x | d('e') }}{{ none_var.x.y | default('f') }}",
        "\"def\"",
    ),
    (
        "{{ nope.x is defined }}{{ items[5] is undefined }}",
        "\"FalseTrue\"",
    ),
    ("{{ (site | trim).x.y | default('g') }}", "\"g\""),
    ("{{ nope.upper() | default('m') }}", "\"m\""),
    (
        "{{ (items[0] ~ items[-1]) | upper ~ (site).strip() }}",
        "\"ABLon-2\"",
    ),
    (
        "{{ 'x' if (items | length) ~ '' == '2' else 'y' }}",
        "\"x\"",
    ),
    // `%` formats text (a tuple is the arguments) and is Python's modulo;
    // `/` and `//` are Python's.
    (
        "{{ '%s-%s' % (site | trim, 1) }}{{ '%s' % [1, true] }}{{ '%d%%' % 3.7 }}",
        "\"Lon-2-1[1, True]3%\"",
    ),
    (
        "{{ 7 % -3 }} {{ -7 % 3.0 }} {{ 7.5 // -2 }} {{ -7 // 2 }} {{ 7 / 2 }} {{ 8 / 2 }}",
        "\"-2 2.0 -4.0 -4 3.5 4.0\"",
    ),
    (
        "{{ 2 ** -1 }} {{ (-2) ** 3 }} {{ [1] < [1, 0] }} {{ 'b' > 'B' }} {{ 'x' if 1 < 2 and 'a' not in ['a'] else 'y' }}",
        "\"0.5 -8 True True y\"",
    ),
];

fn load() -> (tempfile::TempDir, Inventory) {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv");
    std::fs::create_dir_all(&inv).unwrap();
    let mut text: serde_json::Value = serde_json::from_str(INVENTORY).unwrap();
    for (i, (template, _)) in EXAMPLES.iter().enumerate() {
        text["all"]["vars"][format!("t{i}")] = serde_json::Value::from(*template);
    }
    std::fs::write(inv.join("hosts.json"), text.to_string()).unwrap();
    let sources = [inv.join("hosts.json")];
    let inventory = Inventory::load_sources(&sources, &LoadOptions::default()).unwrap();
    (dir, inventory)
}

#[test]
fn every_example_renders_as_ansible_core() {
    let (_dir, inventory) = load();
    let host = inventory.host("esa01.example.com").unwrap();
    let templar = Templar::new(
        &host.name,
        &host.groups,
        &host.vars,
        None,
        Some(&inventory.facts),
    );
    let mut wrong = Vec::new();
    for (i, (template, want)) in EXAMPLES.iter().enumerate() {
        let want: serde_json::Value = serde_json::from_str(want).unwrap();
        match templar.var(&format!("t{i}")) {
            Ok(Some(got)) if got == want => {}
            other => wrong.push(format!("{template}: {other:?}, Ansible {want}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn lookup_file_reads_as_ansible_with_rstrip() {
    let dir = tempfile::tempdir().unwrap();
    let word = dir.path().join("word");
    std::fs::write(&word, "hello \n\n").unwrap();
    let vars = [(
        "t".to_string(),
        serde_yaml::Value::from(format!("{{{{ lookup('file', '{}') }}}}|", word.display())),
    )]
    .into();
    let templar = Templar::new("h", &[], &vars, None, None);
    // ansible-core 2.19.14: 'hello|'.
    assert_eq!(
        templar.var("t").unwrap(),
        Some(serde_json::Value::from("hello|"))
    );
}

/// Whether an example uses `name` as a `kind`.
fn used(kind: &str, name: &str) -> bool {
    EXAMPLES.iter().any(|(t, _)| match kind {
        "filter" => t.contains(&format!("| {name}")),
        "test" => t.contains(&format!("is {name}")),
        "function" => t.contains(&format!("{{ {name}(")) || t.contains(&format!(" {name}(")),
        "lookup" => {
            t.contains(&format!("('{name}'")) || t.contains(&format!("('ansible.builtin.{name}'"))
        }
        "method" => t.contains(&format!(".{name}(")),
        "statement" => t.contains(&format!("{{% {name}")),
        _ => t.contains(name),
    })
}

#[test]
fn every_table_entry_has_an_example() {
    let mut missing = Vec::new();
    for (kind, table) in [
        ("filter", FILTERS),
        ("test", TESTS),
        ("function", FUNCTIONS),
        ("lookup", LOOKUPS),
        ("method", METHODS),
        ("statement", STATEMENTS),
        ("magic", MAGIC),
    ] {
        for name in table {
            // `lookup('file')` is exercised by its own test (a real file).
            if !(used(kind, name) || kind == "lookup" && *name == "file") {
                missing.push(format!("{kind} `{name}`"));
            }
        }
    }
    assert!(missing.is_empty(), "no example for: {}", missing.join(", "));
}

/// A template per filter or method that can make a text longer than its
/// input (`filters::GROWING`), each growing past the bound of a rendered
/// value; the first is the "billion laughs" of `replace` (ten chained
/// tenfold replaces: 10 GB if built).
const GROWING_CASES: &[(&str, &str)] = &[
    (
        "replace",
        "{{ 'x' | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') | replace('x','xxxxxxxxxx') }}",
    ),
    ("replace", "{{ ('x' * 60000).replace('x', 'xx') }}"),
    ("join", "{{ ['x' * 60000, 'x' * 60000] | join(',') }}"),
    ("format", "{{ '%s%s' | format('x' * 60000, 'x' * 60000) }}"),
    (
        "regex_replace",
        "{{ ('x' * 60000) | regex_replace('x', 'xx') }}",
    ),
];

#[test]
fn text_growing_filters_refuse_past_the_bound_while_rendering() {
    for name in super::filters::GROWING {
        assert!(
            GROWING_CASES.iter().any(|(n, _)| n == name),
            "no case for the growing filter `{name}`"
        );
    }
    for (name, template) in GROWING_CASES {
        let vars = [("t".to_string(), serde_yaml::Value::from(*template))].into();
        let templar = Templar::new("h", &[], &vars, None, None);
        let e = format!("{:?}", templar.var("t").unwrap_err());
        assert!(
            e.contains(&format!(
                "{name}: the text would be longer than 65536 bytes"
            )),
            "{template}: {e}"
        );
    }
}

/// Each growing operator, with templates that would build more than the
/// bound: text and list, repeated by a huge count (Python's MemoryError,
/// an abort in minijinja) or joined.
const GROWING_OPERATOR_CASES: &[(&str, &str)] = &[
    ("*", "{{ ([1] * 10000000000) | length }}"),
    ("*", "{{ (10000000000 * [1, 2]) | length }}"),
    ("*", "{{ ([1] * 70000) | length }}"),
    ("*", "{{ ('ab' * 40000) | length }}"),
    ("*", "{{ (3000000 * 'a') | length }}"),
    ("+", "{{ (('a' * 60000) + ('a' * 60000)) | length }}"),
    ("+", "{{ (([1] * 60000) + ([1] * 60000)) | length }}"),
    ("~", "{{ (('a' * 60000) ~ ('a' * 60000)) | length }}"),
    ("%", "{{ ('%s%s' % ('a' * 60000, 'b' * 60000)) | length }}"),
];

#[test]
fn growing_operators_refuse_past_the_bound() {
    for op in super::rewrite::GROWING {
        assert!(
            GROWING_OPERATOR_CASES.iter().any(|(o, _)| o == op),
            "no case for the growing operator `{op}`"
        );
    }
    for (op, template) in GROWING_OPERATOR_CASES {
        let vars = [("t".to_string(), serde_yaml::Value::from(*template))].into();
        let templar = Templar::new("h", &[], &vars, None, None);
        let e = format!("{:?}", templar.var("t").unwrap_err());
        assert!(
            e.contains("the most a template may")
                && (e.contains(&format!("`{op}`"))
                    || e.contains(&format!(" {op}:"))
                    || *op == "%" && e.contains("format:")),
            "{template}: {e}"
        );
    }
}

/// `*` as Python: a sequence repeated only by an integer (a boolean is
/// one), numbers multiplied; `**` beyond a float an error, never inf.
#[test]
fn multiplication_and_power_are_pythons() {
    for (template, want) in [
        ("{{ 'ab' * 2 }}", Ok("abab")),
        ("{{ 2 * 'ab' }}", Ok("abab")),
        ("{{ 'ab' * true }}", Ok("ab")),
        ("{{ 'ab' * -1 }}", Ok("")),
        ("{{ [1] * 2 }}", Ok("[1,1]")),
        ("{{ 3 * 2.5 }}", Ok("7.5")),
        ("{{ true * 3 }}", Ok("3")),
        ("{{ 2.0 ** 10 }}", Ok("1024.0")),
        ("{{ 'ab' * 2.0 }}", Err("TypeError")),
        ("{{ [1] * 2.0 }}", Err("TypeError")),
        ("{{ 2.0 * [1] }}", Err("TypeError")),
        ("{{ 'a' * 'b' }}", Err("TypeError")),
        ("{{ [1] * [2] }}", Err("TypeError")),
        ("{{ 'a' * none }}", Err("TypeError")),
        ("{{ {} * 2 }}", Err("unsupported operand")),
        ("{{ 1.5 ** 5000 }}", Err("OverflowError")),
        ("{{ 10.0 ** 400 }}", Err("OverflowError")),
    ] {
        let vars = [("t".to_string(), serde_yaml::Value::from(template))].into();
        let templar = Templar::new("h", &[], &vars, None, None);
        match (templar.var("t"), want) {
            (Ok(Some(got)), Ok(want)) => {
                let got = match got {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                assert_eq!(got, want, "{template}");
            }
            (Err(e), Err(want)) => assert!(format!("{e:?}").contains(want), "{template}: {e:?}"),
            (got, want) => panic!("{template}: {got:?}, want {want:?}"),
        }
    }
}

/// What Ansible computes beyond 64 bits (or from Unicode digits) is
/// refused, never saturated (`'18446744073709551638' | int % 65536` is 22
/// in Ansible).
#[test]
fn int_beyond_64_bits_or_of_unicode_digits_is_refused() {
    for template in [
        "{{ '18446744073709551638' | int % 65536 }}",
        "{{ '1e20' | int }}",
        "{{ '\u{663}\u{663}' | int }}",
        "{{ 1e20 | int }}",
    ] {
        let vars = [("t".to_string(), serde_yaml::Value::from(template))].into();
        let templar = Templar::new("h", &[], &vars, None, None);
        let err = templar.var("t").expect_err(template).to_string();
        assert!(err.contains("| int"), "{template}: {err}");
    }
}

/// Patterns Python's `re` reads or substitutes differently from Rust's
/// regex are refused (ansible-core 2.19.14 renders `'web12' |
/// regex_replace('e*', '-')` as `-w--b-1-2-`, Rust's iteration gives
/// `-w-b-1-2-`).
#[test]
fn regex_replace_refuses_what_python_reads_differently() {
    for template in [
        "{{ 'web12' | regex_replace('e*', '-') }}",
        "{{ 'web1.example.com' | regex_replace('(\\.example\\.com)?$', '.example.com') }}",
        "{{ 'web12' | regex_replace('[[:digit:]]', 'x') }}",
        "{{ 'web12' | regex_replace('[a-z&&[^e]]', 'x') }}",
        "{{ 'web12' | regex_replace('w(?i)E', 'x') }}",
        "{{ 'web12' | regex_replace('\\p{L}', 'x') }}",
        "{{ 'wéb12' | regex_replace('\\w+', 'x') }}",
    ] {
        let vars = [("t".to_string(), serde_yaml::Value::from(template))].into();
        let templar = Templar::new("h", &[], &vars, None, None);
        let err = templar.var("t").expect_err(template).to_string();
        assert!(err.contains("regex_replace"), "{template}: {err}");
    }
}

/// ansible-core 2.19.14 on hosts named like addresses, or with dots in
/// odd places: `inventory_hostname_short` is `name.split('.')[0]` unless
/// Ansible's own ipv4/ipv6 patterns match the whole name (not an address
/// parser: `1:2:3:4:5:6:1.2.3.4` is cut, `::ffff:256.1.1.1` kept).
#[test]
fn inventory_hostname_short_of_odd_names_is_ansibles() {
    for (name, short) in [
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("a.b", "a"),
        (".x", ""),
        ("x.", "x"),
        ("..", ""),
        ("1::2:3.4.5.6", "1::2:3"),
        ("::ffff:256.1.1.1", "::ffff:256.1.1.1"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:1"),
        ("::FFFF:1.2.3.4", "::FFFF:1.2.3.4"),
        ("0:0:0:0:0:ffff:1.2.3.4", "0:0:0:0:0:ffff:1.2.3.4"),
        ("010.0.0.1", "010.0.0.1"),
        ("0010.0.0.1", "0010"),
        ("1.2.3.4.5", "1"),
        ("256.1.1.1", "256"),
        ("esa01.example.com", "esa01"),
    ] {
        assert_eq!(super::magic::short_name(name), short, "{name}");
    }
}

/// Unquoted YAML timestamps as ansible-core 2.19.14 uses them: listed as
/// `isoformat()`, printed among text as Python's `str()`, inside a list as
/// its `repr()`; a connection value that is one is refused.
#[test]
fn timestamps_render_as_python_prints_them() {
    let text = "all:\n  hosts:\n    h1:\n      w: 2002-12-14\n      x: 2001-12-14t21:59:43.10-05:00\n      z: 2001-12-15T02:59:43Z\n      t: 2024-1-2\n      a: \"a{{ x }}\"\n      b: \"{{ x | string }}\"\n      c: \"a{{ [w, z] }}\"\n      d: \"{{ w ~ '' }}\"\n      e: \"{{ w }}\"\n      f: \"{{ w == '2002-12-14' }}\"\n      g: \"{{ w.year }}\"\n";
    let inventory = Inventory::parse(text, std::path::Path::new("ts.yml")).unwrap();
    let host = inventory.host("h1").unwrap();
    let listed = super::vars::to_json(&host.vars["x"]);
    assert_eq!(listed, "2001-12-14T21:59:43.100000-05:00");
    assert_eq!(super::vars::to_json(&host.vars["t"]), "2024-1-2");
    let templar = Templar::new(
        &host.name,
        &host.groups,
        &host.vars,
        None,
        Some(&inventory.facts),
    );
    for (var, want) in [
        ("a", "a2001-12-14 21:59:43.100000-05:00"),
        ("b", "2001-12-14 21:59:43.100000-05:00"),
        (
            "c",
            "a[datetime.date(2002, 12, 14), datetime.datetime(2001, 12, 15, 2, 59, 43, tzinfo=datetime.timezone.utc)]",
        ),
        ("d", "2002-12-14"),
        ("e", "2002-12-14"),
    ] {
        assert_eq!(templar.var(var).unwrap().unwrap(), want, "{var}");
    }
    assert_eq!(templar.var("f").unwrap().unwrap(), false);
    assert!(templar.is_timestamp("e") && !templar.is_timestamp("d"));
    let err = templar.var("g").unwrap_err();
    assert!(err.contains("`.year`"), "{err}");
}

/// What ansible-core 2.19 computes but sshfleet cannot carry or read as
/// Python does is refused, naming why (issue 25): floats that are not
/// finite (`inf` is kept by Ansible, JSON has no form for it), a literal
/// beyond a float (Ansible fails on it), Python's attributes of a value.
#[test]
fn floats_beyond_json_and_python_attributes_are_refused() {
    for (vars, needle) in [
        ("t: .inf", "float `inf`"),
        ("t: -.inf", "float `-inf`"),
        ("t: .nan", "float `nan`"),
        ("f: .inf\nt: \"{{ f }}\"", "float `inf`"),
        ("f: .nan\nt: \"{{ [f] }}\"", "float `nan`"),
        ("t: \"{{ 1e400 }}\"", "`1e400` is beyond a float"),
        ("t: \"{{ 'x' ~ 1e999 }}\"", "`1e999` is beyond a float"),
        ("t: \"{{ nope.upper() }}\"", "`nope` is undefined"),
        (
            "d: {items: 1}\nt: \"{{ d.items }}\"",
            "`.items` of {'items': 1}",
        ),
        ("t: \"{{ 'ab'.upper }}\"", "`.upper` of 'ab'"),
        ("t: \"{{ 3.real }}\"", "`.real` of 3"),
        ("t: \"{{ 1 / 0 }}\"", "division by zero"),
        (
            "t: \"{{ 1 < 'a' }}\"",
            "'<' not supported between 1 and 'a'",
        ),
        (
            "t: \"{{ none >= 1 }}\"",
            "'>=' not supported between None and 1",
        ),
        ("t: \"{{ (-8) ** (1/3) }}\"", "complex number"),
        ("l: [3]\nt: \"{{ -l[0] }}\"", "write `-(x[0])`"),
        // An undefined argument fails, as in Ansible (minijinja would pass
        // it as missing), also as `default`'s own default.
        ("t: \"{{ [1] | join(nope) }}\"", "`nope` is undefined"),
        ("t: \"{{ 'a'.split(nope) }}\"", "`nope` is undefined"),
        ("t: \"{{ x.y | default(nope) }}\"", "`nope` is undefined"),
        ("t: \"{{ [nope] ~ '' }}\"", "`nope` is undefined"),
        ("t: \"{{ 5 % 0 }}\"", "integer modulo by zero"),
        ("t: \"{{ 4.0 // 0 }}\"", "float floor division by zero"),
        (
            "t: \"{{ '%5s' % 'x' }}\"",
            "conversion `%5` is not supported",
        ),
    ] {
        let vars: std::collections::BTreeMap<String, serde_yaml::Value> =
            serde_yaml::from_str(vars).unwrap();
        let templar = Templar::new("h", &[], &super::HostVars::from(&vars), None, None);
        let err = templar.var("t").expect_err(needle);
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

/// Text of a non-finite float among other text is Python's (`xinf`).
#[test]
fn non_finite_floats_print_as_python() {
    let vars: std::collections::BTreeMap<String, serde_yaml::Value> =
        serde_yaml::from_str("f: .inf\nn: .nan\nt: \"x{{ f }}{{ n ~ '' }}{{ -f }}\"").unwrap();
    let templar = Templar::new("h", &[], &super::HostVars::from(&vars), None, None);
    // ansible-core 2.19.14: 'xinfnan-inf'.
    assert_eq!(
        templar.var("t").unwrap(),
        Some(serde_json::Value::from("xinfnan-inf"))
    );
}

/// Every rewritten operation's function is registered (a new row without
/// one fails here), and every function of the table is a row.
#[test]
fn every_rewritten_operation_has_its_function() {
    let env = super::environment::environment();
    for (op, function) in super::rewrite::REWRITTEN {
        assert!(
            env.compile_expression(&format!("{function} is defined"))
                .is_ok_and(|e| e.eval(()).is_ok_and(|v| v.is_true())),
            "`{op}`: {function} is not registered"
        );
    }
}

/// `x | bool` for every class of input (str, int, bool, float, None, list,
/// mapping, date), each as ansible-core 2.19.14 reads it without a
/// deprecation warning (`Some`), or refused where Ansible warns and
/// coerces (`None`: `'y'`, `' yes'`, `2`, `1.0`, `none` ...).
const BOOL_CASES: &[(&str, Option<bool>)] = &[
    ("'yes'", Some(true)),
    ("'on'", Some(true)),
    ("'true'", Some(true)),
    ("'1'", Some(true)),
    ("'no'", Some(false)),
    ("'off'", Some(false)),
    ("'false'", Some(false)),
    ("'0'", Some(false)),
    ("'YES'", Some(true)),
    ("'On'", Some(true)),
    ("'TRUE'", Some(true)),
    ("'False'", Some(false)),
    ("'NO'", Some(false)),
    ("'oFF'", Some(false)),
    ("'y'", None),
    ("'t'", None),
    ("'n'", None),
    ("'f'", None),
    ("' yes'", None),
    ("'yes '", None),
    ("''", None),
    ("'1.0'", None),
    ("'enabled'", None),
    ("1", Some(true)),
    ("0", Some(false)),
    ("2", None),
    ("-1", None),
    ("18446744073709551616", None),
    ("true", Some(true)),
    ("false", Some(false)),
    ("True", Some(true)),
    ("False", Some(false)),
    ("yaml_true", Some(true)),
    ("1.0", None),
    ("0.0", None),
    ("0.5", None),
    ("none", None),
    ("[]", None),
    ("{}", None),
    ("['yes']", None),
    ("date", None),
];

#[test]
fn bool_filter_reads_exactly_what_ansible_reads_without_a_warning() {
    for (word, _) in super::filters::BOOL_WORDS {
        assert!(
            BOOL_CASES.iter().any(|(c, _)| *c == format!("'{word}'")),
            "no case for the `bool` word `{word}`"
        );
    }
    for (input, want) in BOOL_CASES {
        let text = format!("yaml_true: yes\ndate: 2002-12-14\nt: \"{{{{ {input} | bool }}}}\"");
        let vars: std::collections::BTreeMap<String, serde_yaml::Value> =
            serde_yaml::from_str(&text).unwrap();
        let templar = Templar::new("h", &[], &super::HostVars::from(&vars), None, None);
        match (templar.var("t"), want) {
            (Ok(Some(got)), Some(want)) => assert_eq!(got, *want, "{input}"),
            // An integer literal beyond 64 bits is refused before `bool`.
            (Err(e), None) => assert!(
                e.contains("| bool`: ansible-core 2.19 reads only") || e.contains("beyond 64 bits"),
                "{input}: {e}"
            ),
            (got, _) => panic!("{input} | bool: {got:?}, Ansible {want:?}"),
        }
    }
}

/// Every Jinja operator word and constant followed by `(`, with `x: true`
/// and `y: ''`, as ansible-core 2.19.14 renders it (`Ok`), or what the
/// refusal names where Ansible fails too (`Err`: a syntax error, or "'bool'
/// object is not callable").
const KEYWORD_PAREN_CASES: &[(&str, Result<&str, &str>)] = &[
    ("{{ 'a' if (x) else 'b' }}", Ok("\"a\"")),
    ("{{ 'a' if x else ('b') }}", Ok("\"a\"")),
    ("{{ 'a' if not x else 'b' if (y) else ('c') }}", Ok("\"c\"")),
    ("{{ not (x) }}", Ok("false")),
    ("{{ not(x) }}", Ok("false")),
    ("{{ x and (y) }}", Ok("\"\"")),
    ("{{ x and(y) }}", Ok("\"\"")),
    ("{{ x or (y) }}", Ok("true")),
    ("{{ 'a' in ('abc') }}", Ok("true")),
    ("{{ 'a' not in ('abc') }}", Ok("false")),
    ("{{ 'a' in(['a']) }}", Ok("true")),
    (
        "{% if (x) %}a{% elif (y) %}b{% else %}c{% endif %}",
        Ok("\"a\""),
    ),
    ("{% if not (x) and (y) or (x) %}a{% endif %}", Ok("\"a\"")),
    ("{{ x is (defined) }}", Err("syntax error")),
    ("{{ x is not (defined) }}", Err("syntax error")),
    ("{{ true(1) }}", Err("`true` is a constant")),
    ("{{ True(1) }}", Err("`True` is a constant")),
    ("{{ false() }}", Err("`false` is a constant")),
    ("{{ False() }}", Err("`False` is a constant")),
    ("{{ none() }}", Err("`none` is a constant")),
    ("{{ None(1) }}", Err("`None` is a constant")),
];

#[test]
fn operator_words_before_a_parenthesis_are_not_calls() {
    use super::jinja::{CONSTANTS, OPERATOR_WORDS};
    for word in OPERATOR_WORDS.iter().chain(CONSTANTS) {
        assert!(
            KEYWORD_PAREN_CASES
                .iter()
                .any(|(t, _)| t.contains(&format!(" {word} (")) || t.contains(&format!(" {word}("))),
            "no case with `{word} (`"
        );
    }
    for (template, want) in KEYWORD_PAREN_CASES {
        let vars = [
            ("x".to_string(), serde_yaml::Value::from(true)),
            ("y".to_string(), serde_yaml::Value::from("")),
            ("t".to_string(), serde_yaml::Value::from(*template)),
        ]
        .into();
        let templar = Templar::new("h", &[], &vars, None, None);
        match (templar.var("t"), want) {
            (Ok(Some(got)), Ok(want)) => {
                let want: serde_json::Value = serde_json::from_str(want).unwrap();
                assert_eq!(got, want, "{template}");
            }
            (Err(e), Err(needle)) => assert!(e.contains(needle), "{template}: {e}"),
            (got, _) => panic!("{template}: {got:?}, Ansible {want:?}"),
        }
    }
}

/// `and`/`or`/`not` of literals of every type, as ansible-core 2.19.14
/// renders them: `and`/`or` give back an operand (Python), which minijinja
/// folded into `false` when both operands were literals.
const BOOL_OP_CASES: &[(&str, &str)] = &[
    ("'u' ~ ('' and 'x')", "u"),
    ("'u' ~ (none and 'x')", "uNone"),
    ("'u' ~ (0 and 'x')", "u0"),
    ("'u' ~ (0.0 and 'x')", "u0.0"),
    ("'u' ~ ([] and 'x')", "u[]"),
    ("'u' ~ ({} and 'x')", "u{}"),
    ("'u' ~ (false and 'x')", "uFalse"),
    ("'u' ~ ('a' and 'x')", "ux"),
    ("'u' ~ (1 or 'x')", "u1"),
    ("'u' ~ ('' or 0)", "u0"),
    ("'u' ~ (none or [])", "u[]"),
    ("'u' ~ (0 or none)", "uNone"),
    ("'u' ~ (not '')", "uTrue"),
    ("'u' ~ (not 0.0)", "uTrue"),
    ("'u' ~ ('' and 'x' or 'y')", "uy"),
    ("'u' ~ (0 or '' and 'x')", "u"),
    ("'u' ~ (not none and 0)", "u0"),
    ("'u' ~ (2200 + (0 and 5))", "u2200"),
];

#[test]
fn and_or_not_of_literals_give_pythons_operand() {
    for (expr, want) in BOOL_OP_CASES {
        let text = format!("t: \"{{{{ {expr} }}}}\"");
        let vars: std::collections::BTreeMap<String, serde_yaml::Value> =
            serde_yaml::from_str(&text).unwrap();
        let templar = Templar::new("h", &[], &super::HostVars::from(&vars), None, None);
        assert_eq!(
            templar.var("t"),
            Ok(Some(serde_json::Value::from(*want))),
            "{expr}"
        );
    }
}

/// Number literals, each as ansible-core 2.19.14 renders `'u' ~ N`
/// (`Some`), or fails on it (`None`: Jinja2's lexer reads `022` as `0`
/// then `22`, `5.` and `1.e3` as an attribute access).
const NUMBER_CASES: &[(&str, Option<&str>)] = &[
    ("2_2", Some("u22")),
    ("0", Some("u0")),
    ("00", Some("u0")),
    ("0_0", Some("u0")),
    ("0x1F", Some("u31")),
    ("0X1f", Some("u31")),
    ("0o17", Some("u15")),
    ("0b101", Some("u5")),
    ("1_000", Some("u1000")),
    ("1e3", Some("u1000.0")),
    ("1E3", Some("u1000.0")),
    ("1.5e3", Some("u1500.0")),
    ("1_0.5", Some("u10.5")),
    ("00.5", Some("u0.5")),
    ("1e-3", Some("u0.001")),
    ("007.5", Some("u7.5")),
    ("022", None),
    ("5.", None),
    ("1.e3", None),
    ("007", None),
    ("0_7", None),
    ("1__0", None),
    ("0x", None),
    ("1_", None),
    ("0b2", None),
];

#[test]
fn number_literals_are_read_as_jinja2_reads_them() {
    for (number, want) in NUMBER_CASES {
        let text = format!("t: \"{{{{ 'u' ~ {number} }}}}\"");
        let vars: std::collections::BTreeMap<String, serde_yaml::Value> =
            serde_yaml::from_str(&text).unwrap();
        let templar = Templar::new("h", &[], &super::HostVars::from(&vars), None, None);
        match (templar.var("t"), want) {
            (Ok(Some(got)), Some(want)) => assert_eq!(got, *want, "{number}"),
            (Err(_), None) => {}
            (got, _) => panic!("'u' ~ {number}: {got:?}, Ansible {want:?}"),
        }
    }
}

/// A `none` argument, which minijinja passes as a missing one: refused
/// (`None`) where Ansible passes None (`['ops','x'] | join(none)` is
/// `opsNonex`, `'x' | int(default=none)` is None in ansible-core 2.19.14),
/// rendered as Ansible where it is not an argument (`Some`).
const NONE_ARGUMENT_CASES: &[(&str, Option<&str>)] = &[
    ("['ops', 'x'] | join(none)", None),
    ("['ops', 'x'] | join(none_var)", None),
    ("'u' ~ ('x' | int(default=none))", None),
    ("'u' ~ (nope | default(none))", Some("uNone")),
    ("['ops', 'x'] | join(',')", Some("ops,x")),
];

#[test]
fn a_none_argument_is_refused_not_read_as_missing() {
    for (expr, want) in NONE_ARGUMENT_CASES {
        let text = format!("none_var: null\nt: \"{{{{ {expr} }}}}\"");
        let vars: std::collections::BTreeMap<String, serde_yaml::Value> =
            serde_yaml::from_str(&text).unwrap();
        let templar = Templar::new("h", &[], &super::HostVars::from(&vars), None, None);
        match (templar.var("t"), want) {
            (Ok(Some(got)), Some(want)) => assert_eq!(got, *want, "{expr}"),
            (Err(e), None) => assert!(e.contains("a `none` argument"), "{expr}: {e}"),
            (got, _) => panic!("{expr}: {got:?}, Ansible {want:?}"),
        }
    }
}

/// Newlines and native types as ansible-core 2.19 renders them (each
/// checked with its Templar): Jinja reads `\r\n` and `\r` as `\n` and
/// drops one trailing newline, a template of one output keeps its type,
/// and a text result gets back the `\n`s its source ended with.
#[test]
fn trailing_newlines_and_native_types_are_ansibles() {
    use serde_json::json;
    let vars: std::collections::BTreeMap<String, serde_yaml::Value> = [
        ("uid".to_string(), serde_yaml::Value::from(3)),
        ("users".to_string(), serde_yaml::from_str("[a, b]").unwrap()),
    ]
    .into();
    for (template, want) in [
        ("{{ uid }}\n", json!(3)),
        ("{{ uid }}\r\n", json!(3)),
        ("{{ uid }}\r", json!(3)),
        ("{{ uid }}\n\n", json!("3\n\n")),
        ("{{ true }}\n", json!(true)),
        ("{{ 'bob' }}\r\n", json!("bob\n")),
        ("{{ 'bob' }}\r", json!("bob")),
        ("{{ '3' }}\n", json!("3\n")),
        ("{{ 'a' }}\n\r\n", json!("a\n")),
        ("a\r\nb{{ 1 }}", json!("a\nb1")),
        ("{{ users }}\n", json!(["a", "b"])),
        ("{{ uid }}\n ", json!("3\n ")),
    ] {
        let mut all = vars.clone();
        all.insert("t".to_string(), serde_yaml::Value::from(template));
        let templar = Templar::new("h", &[], &super::HostVars::from(&all), None, None);
        let got = templar.var("t").expect(template);
        assert_eq!(serde_json::to_value(&got).unwrap(), want, "{template:?}");
    }
    // One output value among statements keeps its type in Ansible: refused.
    for template in [
        "{% if true %}{{ users }}{% else %}y{% endif %}",
        "{% if false %}x{% endif %}{{ users }}",
        "{% if true %}{{ uid }}{% endif %}\n",
    ] {
        let mut all = vars.clone();
        all.insert("t".to_string(), serde_yaml::Value::from(template));
        let templar = Templar::new("h", &[], &super::HostVars::from(&all), None, None);
        let err = templar.var("t").expect_err(template).to_string();
        assert!(err.contains("keeps the type"), "{template:?}: {err}");
    }
}
