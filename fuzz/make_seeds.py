#!/usr/bin/env python3
"""Rebuilds the committed seed corpus under fuzz/seeds/ and the small data files
under fuzz/data/ (the check target's base folder) from the repository's
examples, test programs and fixtures, plus the reproducers of issue 13.

Deterministic; run it from anywhere (`python3 fuzz/make_seeds.py`) after the
examples change, and commit the result. Parquet seeds need pyarrow; without it
the committed ones are kept. Files named `found-*` (reproducers the fuzzer
found, copied in by hand from fuzz/artifacts/) are always kept.
"""

import os
import re
import shutil
import struct
import sys
import zlib

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
SEEDS = os.path.join(FUZZ, "seeds")
DATA = os.path.join(FUZZ, "data")

MAGIC = b"MLGC\x00\r\n\x1a"
# Rows kept from each example data file (every k-th row, the same rows of its
# folds file), so checking a seed stays fast.
KEEP_ROWS = 30
TEXT_TARGETS = ["parse", "check", "csv", "csv_stream", "jsonl", "request", "import"]
BINARY_TARGETS = ["artifact", "model", "parquet"]


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def sample_lines(text, step):
    lines = text.decode().splitlines()
    return lines[0], [l for i, l in enumerate(lines[1:]) if i % step == 0]


def make_data():
    """Small copies of the example data under fuzz/data/ (named data/*.csv in
    the seeds): every k-th row, the same rows of the folds files."""
    if os.path.isdir(DATA):
        shutil.rmtree(DATA)
    os.makedirs(DATA)
    sources = {
        "iris": "examples/data/iris.csv",
        "penguins": "examples/data/penguins.csv",
        "diabetes": "examples/data/diabetes.csv",
        "breast_cancer": "examples/data/breast_cancer.csv",
        "iris_top": "tests/programs/data/iris_top.csv",
        "iris_bottom": "tests/programs/data/iris_bottom.csv",
        "iris_left": "tests/programs/data/iris_left.csv",
        "iris_right": "tests/programs/data/iris_right.csv",
        "penguins_complete": "tests/programs/data/penguins_complete.csv",
    }
    for name, path in sources.items():
        text = read(path)
        n = len(text.decode().splitlines()) - 1
        step = max(1, n // KEEP_ROWS)
        header, rows = sample_lines(text, step)
        with open(os.path.join(DATA, name + ".csv"), "w") as f:
            f.write("\n".join([header] + rows) + "\n")
        folds = path.replace(".csv", ".folds.csv")
        if os.path.exists(os.path.join(ROOT, folds)):
            header, rows = sample_lines(read(folds), step)
            # One fold id per kept row, dealt round-robin so that every fold
            # keeps rows whatever the sampling step.
            with open(os.path.join(DATA, name + ".folds.csv"), "w") as f:
                f.write("\n".join([header] + [f"{j},{j % 5}" for j in range(len(rows))]) + "\n")


def normalize_paths(source):
    """Points every data path of a program at data/NAME (the check target's base
    folder holds fuzz/data/ as data/)."""
    return re.sub(r'"(?:[./]*/)?(?:examples/)?(?:\.\./)*data/([^"/]+)"', r'"data/\1"', source)


def programs():
    out = {}
    for folder in ["examples", "examples/compare", "tests/programs", "tests/programs/ops"]:
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            if name.endswith(".mlg"):
                key = folder.replace("/", "_") + "_" + name[:-4]
                out[key] = normalize_paths(read(os.path.join(folder, name)).decode())
    return out


IRIS = 'data iris = csv("data/iris.csv", target = "target")\n'
PREP = IRIS + "features prep = iris -> standardize(numeric)\n"


def program_reproducers():
    """The .mlg inputs issue 13 lists (shared by the parse and check targets)."""
    eval_lr = "evaluate m with kfold(3, seed = 0) metrics accuracy\n"
    plus = " + ".join(["1"] * 20000)
    power = " ^ ".join(["2"] * 20000)
    repeated = ", ".join(["c = 1.0"] * 5000)
    return {
        # One line 70,000 columns wide with an error past column 65,536.
        "repro_wide_line_unknown_op": IRIS.rstrip("\n") + " " * 70000 + "model m = no_such_model(iris)\n",
        "repro_wide_line_syntax": IRIS.rstrip("\n") + " " * 70000 + "model m = @\n",
        "repro_derive_plus_20000": IRIS
        + f'features prep = iris -> derive(z = "{plus}")\n'
        + "model m = logistic_regression(prep)\n"
        + eval_lr,
        "repro_derive_pow_20000": IRIS
        + f'features prep = iris -> derive(z = "{power}")\n'
        + "model m = logistic_regression(prep)\n"
        + eval_lr,
        "repro_trees_i64_max": PREP
        + "model m = random_forest_classifier(prep, trees = 9223372036854775807)\n"
        + eval_lr,
        "repro_hidden_huge": PREP + 'model m = mlp_classifier(prep, hidden = "1000000000")\n' + eval_lr,
        "repro_polynomial_degree_8": IRIS
        + "features prep = iris -> polynomial(numeric, degree = 8)\n"
        + "model m = logistic_regression(prep)\n"
        + eval_lr,
        "repro_polynomial_degree_8_wide": 'data bc = csv("data/breast_cancer.csv", target = "target")\n'
        + "features prep = bc -> polynomial(numeric, degree = 8)\n"
        + "model m = logistic_regression(prep)\n"
        + eval_lr,
        "repro_lda_huge": IRIS
        + "features prep = iris -> lda(n = 100000000)\n"
        + "model m = logistic_regression(prep)\n"
        + eval_lr,
        "repro_repeated_param_5000": PREP + f"model m = logistic_regression(prep, {repeated})\n" + eval_lr,
        "repro_non_utf8_string": (IRIS + 'features prep = iris -> standardize(cols("\xff\xfe"))\n').encode("latin-1")
        + b"model m = logistic_regression(prep)\n"
        + eval_lr.encode(),
        "repro_non_utf8_ident": (PREP + "model m\xe9\xff = logistic_regression(prep)\n").encode("latin-1") + eval_lr.encode(),
        "repro_non_utf8_truncated_char": IRIS.encode() + b"features prep = iris -> derive(z = \"\xe2\x82\")\n",
        "repro_nesting_deep": IRIS + "features prep = iris -> derive(z = \"" + "(" * 5000 + "1" + ")" * 5000 + "\")\n",
    }


def make_dict(progs):
    """fuzz/dicts/{parse,check}.dict: every word and operator of the example
    programs, for libFuzzer's -dict."""
    tokens = set()
    for text in progs.values():
        code = "\n".join(l.split("#")[0] for l in text.splitlines())
        tokens.update(re.findall(r"[A-Za-z_][A-Za-z_0-9.]*|->|[-+*/^<>=!]=?|[(){}\[\],\"]", code))
    tokens.update(["#", "\n", "`", "\\", "if", "then", "else", "true", "false", "1e39", "-1", "9223372036854775807"])
    lines = []
    for t in sorted(tokens):
        escaped = t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\x0A")
        lines.append(f'"{escaped}"')
    folder = os.path.join(FUZZ, "dicts")
    os.makedirs(folder, exist_ok=True)
    for target in ["parse", "check"]:
        with open(os.path.join(folder, target + ".dict"), "w") as f:
            f.write("# Words and operators of the example programs (fuzz/make_seeds.py).\n")
            f.write("\n".join(lines) + "\n")


def make_programs():
    progs = programs()
    make_dict(progs)
    repros = program_reproducers()
    for target in ["parse", "check"]:
        for name, text in progs.items():
            write(target, name, text)
        for name, text in repros.items():
            # The big ones only where they matter: derive expressions are parsed
            # by the checker, and the renderer runs there too.
            if target == "check" or len(text) < 4096:
                write(target, name, text)


def make_csv():
    for name in sorted(os.listdir(DATA)):
        write("csv", "data_" + name.replace(".", "_"), open(os.path.join(DATA, name), "rb").read())
    tenk = "x,c,y\n" + "1,a,2\n" * 9999 + "abc,a,1\n"
    cases = {
        "repro_1e39": "x,c,y\n1,a,2\n1e39,b,3\n",
        "repro_inf": "x,c,y\n1,a,2\ninf,b,3\n-infinity,a,1\n",
        "repro_nan": "x,c,y\nNaN,a,2\nnan,b,NA\n,a,null\n",
        "repro_text_at_row_10000": tenk,
        "bom_quoted": '\ufeff"x","c","y"\n"1.5"," a ",2\n3,"b,b",4\n',
        "ragged": "x,c,y\n1,a\n1,a,2,3\n",
        "duplicate_header": "x,x,y\n1,2,3\n",
        "empty_header": "x,,y\n1,2,3\n",
        "header_only": "x,c,y\n",
        "blank_lines_crlf": "x,c,y\r\n\r\n1,a,2\r\n\r\n2,b,3\r\n",
        "mixed_column": "x,c,y\n1,a,2\n2,b,3\n3,zz,4\n4,a,x\n",
        "f32_edges": "x,c,y\n3.4028235e38,a,-3.4028235e38\n3.4028236e38,b,1e-46\n-0,a,0x10\n",
        "non_utf8": b"x,c,y\n1,\xff\xfe,2\n".decode("latin-1"),
    }
    for name, text in cases.items():
        data = text.encode("latin-1") if name == "non_utf8" else text.encode()
        write("csv", name, data)
        write("csv_stream", name, data)
    write("csv_stream", "simple", "x,c,y\n1.5,b,0\n,zzz,1\n-2,,2\n")
    write("csv_stream", "reordered_extra", "y,q,c,x\n1,9,a,2\n2,8,b,3\n")
    write("csv_stream", "missing_column", "x,y\n1,2\n")


def make_jsonl():
    cases = {
        "simple": '{"x": 1.5, "c": "b"}\n{"c": "zzz", "x": null}\n{"x": -2, "c": null}\n',
        "repro_duplicate_key": '{"x": 1, "x": 2, "c": "a"}\n',
        "repro_1e39": '{"x": 1e39, "c": "a"}\n',
        "repro_1e400": '{"x": 1e400, "c": "a"}\n',
        "number_as_string": '{"x": "2.5", "c": "a"}\n{"x": "inf", "c": "b"}\n{"x": "NaN", "c": "b"}\n',
        "blank_lines_crlf": '\r\n{"x": 1, "c": "a"}\r\n\r\n{"x": 2, "c": "b"}\r\n',
        "extra_and_nested": '{"x": 1, "c": "a", "extra": {"deep": [1, 2, {"z": null}]}}\n',
        "wrong_types": '{"x": true, "c": 3}\n{"x": [1], "c": {}}\n',
        "not_object": '[1, 2]\n"text"\n5\n',
        "missing_column": '{"x": 1}\n',
        "escapes": '{"\\u0078": 3, "c": "\\u0061"}\n{"x": 1, "c": "\\ud800"}\n',
        "bom": '\ufeff{"x": 1, "c": "a"}\n',
        "truncated": '{"x": 1, "c": "a"}\n{"x": 1, "c": "a',
        "many_rows": "".join(f'{{"x": {i}, "c": "{"ab"[i % 2]}"}}\n' for i in range(40)),
    }
    for name, text in cases.items():
        write("jsonl", name, text)
    write("jsonl", "non_utf8", b'{"x": 1, "c": "\xff"}\n')


def make_requests():
    good = '{"x": 1.5, "c": "b"}'
    cases = {
        "rows": '{"rows": [{"x": 1.5, "c": "b"}, {"c": "zzz", "x": null}, {"x": -2, "c": null}]}',
        "columns": '{"columns": {"c": ["b", "zzz", null], "x": [1.5, null, -2]}}',
        "rows_empty": '{"rows": []}',
        "columns_empty": '{"columns": {"x": [], "c": []}}',
        "truncated": '{"rows": [',
        "rows_object": '{"rows": {}}',
        "rows_number": '{"rows": 5}',
        "both": '{"rows": [], "columns": {}}',
        "row_not_object": '{"rows": [5]}',
        "trailing": '{"rows": [{"x": 1, "c": "a"}]} trailing',
        "unknown_column": '{"rows": [{"x": 1, "c": "a", "y": 2}]}',
        "row_missing_column": '{"rows": [{"x": 1, "c": "a"}, {"x": 1}]}',
        "wrong_types": '{"rows": [{"x": "1", "c": 2}, {"x": true, "c": "a"}, {"x": [1], "c": {}}]}',
        "repro_duplicate_key": '{"rows": [{"x": 1, "x": 2, "c": "a"}]}',
        "repro_1e39": '{"rows": [{"x": 1e39, "c": "a"}]}',
        "columns_1e400": '{"columns": {"x": [1e400], "c": ["a"]}}',
        "columns_ragged": '{"columns": {"x": [1, 2], "c": ["a"]}}',
        "columns_not_array": '{"columns": {"x": 1, "c": ["a"]}}',
        "columns_unknown": '{"columns": {"x": [1], "c": ["a"], "q": []}}',
        "columns_duplicate": '{"columns": {"x": [1], "x": [2], "c": ["a"]}}',
        "escapes": '{"rows": [{"\\u0078": 3, "c": "\\u0061"}]}',
        "long_string": '{"rows": [{"x": "' + "é" * 100 + '", "c": "a"}]}',
        "many_rows": '{"rows": [' + ",".join([good] * 40) + "]}",
    }
    for name, text in cases.items():
        write("request", name, text)


def header(version, payload):
    return MAGIC + struct.pack("<IQI", version, len(payload), zlib.crc32(payload) & 0xFFFFFFFF)


def make_artifacts():
    v1 = read("tests/fixtures/iris_v1.mlgc")
    payload = v1[24:]
    # Version 2 adds an empty profile (rows 0, no features), an empty lineage
    # (two empty hashes, no seed, empty version, time 0) and no monitor settings:
    # eight zero bytes in postcard.
    v2_payload = payload + b"\x00" * 8
    v2 = header(2, v2_payload) + v2_payload
    flipped = bytearray(v2)
    flipped[60] ^= 0x10
    flipped_fixed = bytearray(v2_payload)
    flipped_fixed[40] ^= 0x01
    flipped_fixed = header(2, bytes(flipped_fixed)) + bytes(flipped_fixed)
    cases = {
        "iris_v1": v1,
        "iris_v2": v2,
        "repro_truncated_header": v2[:20],
        "repro_truncated_payload": v2[: len(v2) // 2],
        "repro_bit_flipped": bytes(flipped),
        "repro_bit_flipped_crc_fixed": flipped_fixed,
        "repro_huge_length": MAGIC + struct.pack("<IQI", 2, 2**64 - 1, 0),
        "repro_newer_version": header(3, v2_payload) + v2_payload,
        "repro_version_0": header(0, v2_payload) + v2_payload,
        "repro_trailing": v2 + b"\x00",
        "magic_only": MAGIC,
        "empty": b"",
    }
    for name, data in cases.items():
        write("artifact", name, data)
    for name in ["iris_v1", "iris_v2", "repro_bit_flipped_crc_fixed"]:
        write("model", name, cases[name])


def make_parquet():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        print("pyarrow not found: keeping the committed parquet seeds", file=sys.stderr)
        return False
    import io

    def save(name, table, **kw):
        buf = io.BytesIO()
        pq.write_table(table, buf, **kw)
        write("parquet", name, buf.getvalue())

    iris = [l.split(",") for l in open(os.path.join(DATA, "iris.csv")).read().splitlines()]
    cols = {h: [float(r[i]) for r in iris[1:]] for i, h in enumerate(iris[0])}
    save("iris_snappy", pa.table(cols), compression="snappy")
    save("iris_plain", pa.table(cols), compression="none", use_dictionary=False)
    save(
        "types",
        pa.table(
            {
                "i8": pa.array([1, None, -3], pa.int8()),
                "u64": pa.array([2**63, 1, None], pa.uint64()),
                "f16": pa.array([1.0, None, 2.5], pa.float16()),
                "f32": pa.array([1.5, float("nan"), 3.0], pa.float32()),
                "b": pa.array([True, False, None]),
                "s": pa.array(["b", None, "a"]),
                "ls": pa.array(["x", "y", None], pa.large_string()),
                "d": pa.array(["p", "q", "p"]).dictionary_encode(),
                "n": pa.array([None, None, None], pa.null()),
            }
        ),
        compression="snappy",
    )
    save("repro_inf", pa.table({"x": pa.array([1.0, float("inf")]), "y": pa.array([1e39, 2.0])}), compression="none")
    save("unsupported_type", pa.table({"t": pa.array([1, 2], pa.timestamp("s")), "x": [1.0, 2.0]}), compression="none")
    save("row_groups", pa.table({"x": list(range(50)), "c": ["ab"[i % 2] for i in range(50)]}), row_group_size=7)
    save("duplicate_names", pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["x", "x"]), compression="none")
    save("empty_name", pa.Table.from_arrays([pa.array([1])], names=[""]), compression="none")
    return True


def make_imports():
    """Small fixture models of every format and feature the importers read."""
    for name in ["lightgbm_rf.txt", "lightgbm_regression_cat.txt", "xgboost_poisson.json"]:
        write("import", name, read(os.path.join("tests", "fixtures", "interop", name)))


def main():
    # Kept across runs: reproducers the fuzzer found (found-*, committed by
    # hand), and the Parquet seeds when pyarrow is missing.
    keep = {}
    for target in os.listdir(SEEDS) if os.path.isdir(SEEDS) else []:
        folder = os.path.join(SEEDS, target)
        for name in os.listdir(folder):
            if name.startswith("found-") or target == "parquet":
                keep[(target, name)] = open(os.path.join(folder, name), "rb").read()
    if os.path.isdir(SEEDS):
        shutil.rmtree(SEEDS)
    make_data()
    make_programs()
    make_csv()
    make_jsonl()
    make_requests()
    make_artifacts()
    make_imports()
    have_parquet = make_parquet()
    for (target, name), data in keep.items():
        if name.startswith("found-") or not have_parquet:
            write(target, name, data)
    total = 0
    for folder, _, files in os.walk(SEEDS):
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    print(f"seeds: {total} bytes")


if __name__ == "__main__":
    main()
