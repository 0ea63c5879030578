"""Issue 11: every file and terminal line the product writes is safe and whole.

The ledger: a flat plan paying 2% of each quarter's bookings, and payees whose ids and names
are what a hostile or careless CSV holds: spreadsheet formulas, ids that a file name must
escape (`a/b` beside `a_b`, `rep 1` beside `rep_1` and `Rep_1`), a carriage return that
would start a Markdown heading, terminal escape sequences, a right-to-left override, emoji,
a name of 3,000 letters and an id of 300. Each payee books one deal of 10,000.00 in 2026-Q1,
so each is paid 200.00; `+1` also gets an adjustment of -150.00, so is paid 50.00.
"""
import csv
import errno
import hashlib
import io
import json
import re
import textwrap

import pytest

from tests.test_calc import import_files
from tests.test_close import ok, run

PLAN = textwrap.dedent("""\
    plan: flat
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    attainment_window: period
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 2%
    """)

HYPERLINK = '=HYPERLINK("http://evil.example","click")'
HEADING = "Ravi\r# PAY OVERRIDE: 1,000,000.00 USD"
TITLE = "\x1b]0;pwned\x07Eve\x1b[31m"  # an OSC window title, then red text
CLEAR = "x\x1b[2Jy"  # an id that clears the screen
RTL = "Bob\u202egnp.exe"
LONG = "N" * 3000
LONG_ID = "L" * 300
PAYEES = [  # (id, name)
    (HYPERLINK, "@SUM(1+1)"), ("+1", "-2+3"), ("@SUM(A1)", "=1+1"),
    ("a/b", "Slash"), ("a_b", "Underscore"), ("rep 1", "Space"), ("rep_1", "Low line"),
    ("Rep_1", "Capital"), ("rep-1", HEADING), ("rep-2", TITLE), (CLEAR, "<script>x</script> |*"),
    ("rep-3", RTL), ("rep-4", "Zoë 🎉👩‍💻"), ("rep-5", LONG), (LONG_ID, "Long id"),
    ("🎉", "Party")]
DEAL_OF_REP_4 = "D|4*\x1b[2J# deal"  # ids may not span lines (a CR is refused at import)


def csv_text(rows) -> str:
    out = io.StringIO()  # quoted, so a carriage return stays inside its cell
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return out.getvalue()


def build(tmp_path, db, close=True):
    plan = tmp_path / "flat.yaml"
    plan.write_text(PLAN)
    ok("plans", "add", str(plan), db=db)
    deal_ids = [DEAL_OF_REP_4 if payee == "rep-4" else f"D-{n}"
                for n, (payee, _) in enumerate(PAYEES)]
    import_files(tmp_path, db, {
        "payees": csv_text([("id", "name")] + PAYEES),
        "assignments": csv_text([("payee_id", "plan", "effective_from")]
                                + [(payee, "flat", "2026-01-01") for payee, _ in PAYEES]),
        "deals": csv_text([("id", "date", "owner_id", "amount", "currency")]
                          + [(deal, "2026-02-01", payee, "10000.00", "USD")
                             for deal, (payee, _) in zip(deal_ids, PAYEES)])})
    ok("adjust", "--payee", "+1", "--period", "2026-Q1", "--amount", "-150.00 USD",
       "--reason", "late\r# PAY OVERRIDE: 1,000,000.00 USD", db=db)
    if close:
        ok("close", "--period", "2026-Q1", db=db)


# --------------------------------------------------------------------- 1. CSV injection

def test_payroll_text_cells_cannot_start_a_formula_and_numbers_stay_numbers(
        tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    target = tmp_path / "payroll.csv"
    printed = ok("export", "payroll", "--period", "2026-Q1", db=ledger_url).stdout
    ok("export", "payroll", "--period", "2026-Q1", "--out", str(target), db=ledger_url)
    assert target.read_text(encoding="utf-8") == printed
    rows = {row["payee_name"]: row for row in csv.DictReader(io.StringIO(printed))}
    # OWASP: a text cell starting with = + - @ gets a leading single quote
    assert rows["'@SUM(1+1)"]["payee_id"] == "'" + HYPERLINK
    assert rows["'-2+3"]["payee_id"] == "'+1"
    assert rows["'=1+1"]["payee_id"] == "'@SUM(A1)"
    # +1 earned 2% of 10,000.00 = 200.00, less the adjustment of 150.00: 50.00; the
    # negative amount stays a number payroll can read
    plus = rows["'-2+3"]
    assert (plus["gross"], plus["flat/commission"], plus["adjustments"]) == \
        ("50.00", "200.00", "-150.00")
    assert "\n2026-Q1,1,'+1,'-2+3,USD,50.00,200.00,0.00,-150.00,0.00,0.00,0.00\n" in printed
    # ordinary text is left alone
    assert rows["Slash"]["payee_id"] == "a/b" and rows["Zoë 🎉👩‍💻"]["payee_id"] == "rep-4"


# --------------------------------------------------------------- 2. unique file names

def hashed(payee_id: str) -> str:
    return hashlib.sha256(payee_id.encode("utf-8")).hexdigest()[:12]


def test_every_payee_gets_its_own_statement_file(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    out = tmp_path / "out"
    result = ok("statements", "--period", "2026-Q1", "--out", str(out), "--format", "json",
                db=ledger_url)
    assert result.stdout == f"16 closed statements of 2026-Q1, 16 files in {out}\n"
    files = sorted(path.name for path in out.iterdir())
    assert len(files) == 16
    # one file per payee, and no two names that a case-insensitive disk would confuse
    assert len({name.lower() for name in files}) == 16
    owners = {json.loads((out / name).read_text())["payees"][0]["payee"]: name
              for name in files}
    assert set(owners) == {payee for payee, _ in PAYEES}
    # ordinary ids keep their readable names; the others add a hash of the id
    assert owners["rep-1"] == "rep-1-2026-Q1.json"
    assert owners["rep_1"] == "rep_1-2026-Q1.json"
    assert owners["a_b"] == "a_b-2026-Q1.json"
    assert owners["a/b"] == f"a_b~{hashed('a/b')}-2026-Q1.json"
    assert owners["rep 1"] == f"rep_1~{hashed('rep 1')}-2026-Q1.json"
    assert owners["Rep_1"] == f"Rep_1~{hashed('Rep_1')}-2026-Q1.json"
    assert owners["+1"] == f"1~{hashed('+1')}-2026-Q1.json"
    assert owners[CLEAR] == f"x_2Jy~{hashed(CLEAR)}-2026-Q1.json"
    assert owners[LONG_ID] == f"{'L' * 40}~{hashed(LONG_ID)}-2026-Q1.json"
    assert owners[HYPERLINK] == \
        f"HYPERLINK_http_evil.example_click~{hashed(HYPERLINK)}-2026-Q1.json"
    assert owners["🎉"] == f"payee~{hashed('🎉')}-2026-Q1.json"


# ------------------------------------------------------ 3. Markdown, HTML and terminals

def test_markdown_folds_control_characters_and_cannot_start_a_block(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    out = tmp_path / "out"
    ok("statements", "--period", "2026-Q1", "--out", str(out), "--format", "md",
       db=ledger_url)
    ravi = (out / "rep-1-2026-Q1.md").read_text(encoding="utf-8")
    lines = ravi.splitlines()  # splitlines breaks at \r too, as a Markdown reader does
    assert not any(line.startswith("# PAY") for line in lines)
    assert lines[0] == "# Payout statement: Ravi # PAY OVERRIDE: 1,000,000.00 USD"
    plus = (out / f"1~{hashed('+1')}-2026-Q1.md").read_text(encoding="utf-8")
    # the reason's carriage return folded: the adjustment stays one row of six cells
    [row] = [line for line in plus.splitlines() if line.startswith("| Adjustment |")]
    assert row == ("| Adjustment |  |  |  | -150.00 | Adjustment: -150.00 USD: late # PAY "
                   "OVERRIDE: 1,000,000.00 USD. |")
    assert "Payee **\\+1**" in plus  # a leading + cannot start a list
    rep4 = (out / "rep-4-2026-Q1.md").read_text(encoding="utf-8")
    assert "| D\\|4\\*# deal |" in rep4  # the deal id: pipe and star escaped, ESC removed
    assert "# Payout statement: Zoë 🎉👩‍💻" in rep4
    eve = (out / "rep-2-2026-Q1.md").read_text(encoding="utf-8")
    assert eve.startswith("# Payout statement: Eve\n")  # the escape sequences are gone
    bob = (out / "rep-3-2026-Q1.md").read_text(encoding="utf-8")
    assert bob.startswith("# Payout statement: Bob\\<U+202E\\>gnp.exe\n")
    for text in (ravi, plus, rep4, eve, bob):
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", text)


def test_html_shows_bidi_overrides_and_holds_no_control_character(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    out = tmp_path / "out"
    ok("statements", "--period", "2026-Q1", "--out", str(out), "--format", "html",
       db=ledger_url)
    bob = (out / "rep-3-2026-Q1.html").read_text(encoding="utf-8")
    assert "<h1>Payout statement: Bob&lt;U+202E&gt;gnp.exe</h1>" in bob
    assert "<title>Payout statement 2026-Q1: Eve</title>" in \
        (out / "rep-2-2026-Q1.html").read_text(encoding="utf-8")
    for path in out.iterdir():
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]",
                             path.read_text(encoding="utf-8")), path.name


def test_terminal_output_carries_no_escape_sequence(tmp_path, ledger_url):
    build(tmp_path, ledger_url, close=False)
    proposal = tmp_path / "proposal.yaml"
    proposal.write_text(PLAN.replace("rate: 2%", "rate: 3%").replace("version: 1",
                                                                      "version: 2"))
    outputs = {
        "explain": ok("explain", "--period", "2026-Q1", "--payee", "rep-2",
                      db=ledger_url).stdout,
        "explain rtl": ok("explain", "--period", "2026-Q1", "--payee", "rep-3",
                          db=ledger_url).stdout,
        "explain deal": ok("explain", "--period", "2026-Q1", "--payee", "rep-4", "--deal",
                           DEAL_OF_REP_4, db=ledger_url).stdout,
        "explain clear": ok("explain", "--period", "2026-Q1", "--payee", CLEAR,
                            db=ledger_url).stdout,
        "kpi": ok("kpi", "--period", "2026-Q1", db=ledger_url).stdout,
        "kpi json": ok("kpi", "--period", "2026-Q1", "--json", db=ledger_url).stdout,
        "whatif": ok("whatif", "--plan", str(proposal), "--period", "2026-Q1",
                     db=ledger_url).stdout,
        "whatif json": ok("whatif", "--plan", str(proposal), "--period", "2026-Q1",
                          "--json", db=ledger_url).stdout}
    for name, text in outputs.items():
        # no ESC, BEL, CR or other control but the newlines between lines; no bidi control
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", text), name
    assert outputs["explain"].startswith("rep-2 (Eve), 2026-Q1 (draft")
    assert outputs["explain rtl"].startswith("rep-3 (Bob<U+202E>gnp.exe), 2026-Q1")
    assert "lines of deal D|4*# deal:" in outputs["explain deal"]
    assert outputs["explain clear"].startswith("xy (<script>x</script> |*), 2026-Q1")
    # the JSON is the same data, with the override written as an escape
    assert "Bob\\u202egnp.exe" in outputs["kpi json"]
    kpis = json.loads(outputs["kpi json"])
    assert {p["payee"]: p["name"] for p in kpis["payees"]}["rep-3"] == RTL
    # whatif: rep-2 earns 3% instead of 2% of 10,000.00: 300.00 against 200.00
    assert re.search(r"\nxy +200\.00 +300\.00 +100\.00\n", outputs["whatif"])
    assert CLEAR in [row["payee"] for row in json.loads(outputs["whatif json"])["payees"]]
    # a name of 3,000 letters is cut in the table rather than widening every row
    assert re.search(r"\nrep-5 +N{47}…  USD ", outputs["kpi"]) and "N" * 48 not in outputs["kpi"]


def test_an_id_that_is_not_text_is_not_found_rather_than_a_traceback(tmp_path, ledger_url):
    build(tmp_path, ledger_url, close=False)
    # a shell passes the byte 0xFF in `--deal $'\xff'` to Python as the lone surrogate U+DCFF
    failed = run("explain", "--period", "2026-Q1", "--payee", "rep-4", "--deal", "\udcff",
                 db=ledger_url)
    assert one_line_error(failed) == ("Error: no deal '\\udcff' in the ledger: an id is "
                                      "UTF-8 text, and this one is not")


# ------------------------------------------------------------ 4. whole files or none

class FullDisk:
    """A file on a disk that fills up halfway through the first write."""

    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        self._handle.write(data[:len(data) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


@pytest.fixture
def full_disk(monkeypatch):
    """``full_disk(folder, after=N)``: the disk is full for files opened for writing in
    ``folder`` once N of them were written."""
    real_open = io.open

    def fill(folder, after=0):
        opened = []

        def faulty_open(file, mode="r", *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            if set(mode) & set("wxa") and str(file).startswith(str(folder)):
                opened.append(file)
                if len(opened) > after:
                    return FullDisk(handle)
            return handle
        monkeypatch.setattr(io, "open", faulty_open)
        monkeypatch.setattr("builtins.open", faulty_open)
    return fill


def one_line_error(result) -> str:
    """The one line a failure prints on stderr (no progress: stderr is not a terminal),
    exit 1."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert result.stdout == "" and len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_full_disk_leaves_the_payroll_file_as_it_was(tmp_path, ledger_url, full_disk):
    build(tmp_path, ledger_url)
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "payroll.csv"
    target.write_text("the file of an earlier export\n")
    full_disk(folder)
    failed = run("export", "payroll", "--period", "2026-Q1", "--out", str(target),
                 db=ledger_url)
    assert one_line_error(failed) == (f"Error: cannot write {target}: No space left on "
                                      "device (free some space or write to another disk); "
                                      "nothing was written")
    assert target.read_text() == "the file of an earlier export\n"
    assert [path.name for path in folder.iterdir()] == ["payroll.csv"]  # no temporary file
    # the export that failed was not recorded: a reopen names no payroll file to void
    assert "void" not in ok("reopen", "--period", "2026-Q1", "--reason", "r",
                            db=ledger_url).stderr


def test_a_full_disk_writes_no_statement(tmp_path, ledger_url, full_disk):
    build(tmp_path, ledger_url)
    out = tmp_path / "out"
    out.mkdir()
    earlier = out / "rep-1-2026-Q1.json"
    earlier.write_text("an earlier statement\n")
    full_disk(out, after=3)  # the fourth file fills the disk
    failed = run("statements", "--period", "2026-Q1", "--out", str(out), "--format", "json",
                 db=ledger_url)
    message = one_line_error(failed)
    assert re.fullmatch(rf"Error: cannot write {re.escape(str(out))}/\S+-2026-Q1\.json: No "
                        r"space left on device \(free some space or write to another disk\); "
                        r"no statement of 2026-Q1 was written", message), message
    assert [path.name for path in out.iterdir()] == ["rep-1-2026-Q1.json"]
    assert earlier.read_text() == "an earlier statement\n"


def test_a_full_disk_leaves_the_kpi_page_as_it_was(tmp_path, ledger_url, full_disk):
    build(tmp_path, ledger_url)
    page = tmp_path / "kpi.html"
    page.write_text("the earlier page\n")
    full_disk(tmp_path)
    failed = run("kpi", "--period", "2026-Q1", "--html", str(page), db=ledger_url)
    assert failed.exit_code == 1
    assert failed.stderr == (f"Error: cannot write {page}: No space left on device (free some "
                             "space or write to another disk); nothing was written\n")
    assert page.read_text() == "the earlier page\n"
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_a_folder_given_as_the_file_and_a_folder_one_may_not_write_give_one_line(
        tmp_path, ledger_url, monkeypatch):
    build(tmp_path, ledger_url)
    folder = tmp_path / "exports"
    folder.mkdir()
    failed = run("export", "payroll", "--period", "2026-Q1", "--out", str(folder),
                 db=ledger_url)
    assert one_line_error(failed) == (f"Error: cannot write {folder}: Is a directory (it is "
                                      "a folder: give a file name); nothing was written")
    assert list(folder.iterdir()) == []
    real_open = io.open

    def refused(file, mode="r", *args, **kwargs):
        if set(mode) & set("wxa") and str(file).startswith(str(folder)):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)
    monkeypatch.setattr(io, "open", refused)
    monkeypatch.setattr("builtins.open", refused)  # tests run as root, so chmod is no test
    target = folder / "payroll.csv"
    failed = run("export", "payroll", "--period", "2026-Q1", "--out", str(target),
                 db=ledger_url)
    assert one_line_error(failed) == (f"Error: cannot write {target}: Permission denied "
                                      "(check that you may write to that folder); nothing "
                                      "was written")
    failed = run("statements", "--period", "2026-Q1", "--out", str(folder / "statements"),
                 db=ledger_url)
    assert re.fullmatch(rf"Error: cannot write {re.escape(str(folder))}/statements/\S+: "
                        r"Permission denied \(check that you may write to that folder\); no "
                        r"statement of 2026-Q1 was written", one_line_error(failed))
    a_file = tmp_path / "flat.yaml"
    failed = run("statements", "--period", "2026-Q1", "--out", str(a_file), db=ledger_url)
    assert one_line_error(failed) == (f"Error: cannot create the folder {a_file}: File "
                                      "exists (a file of that name is in the way)")


# ------------------------------------------------------------------------- the helpers

@pytest.mark.parametrize("text, terminal, markdown, csv_cell", [
    ("1. first", "1. first", "1\\. first", "1. first"),
    ("> quote", "> quote", "\\> quote", "> quote"),
    ("- item", "- item", "\\- item", "'- item"),
    ("~~struck~~ a|b", "~~struck~~ a|b", "\\~\\~struck\\~\\~ a\\|b", "~~struck~~ a|b"),
    ("\t=1+1", " =1+1", "\\=1+1", "' =1+1"),
    ("a\r\nb\x85c", "a  b c", "a  b c", "a  b c"),
    ("\x9b2J8-bit CSI", "8-bit CSI", "8-bit CSI", "8-bit CSI"),
    ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link", "link", "link"),  # OSC 8
    ("\u2066x\u2069 \u200f", "<U+2066>x<U+2069> <U+200F>", "\\<U+2066\\>x\\<U+2069\\> "
     "\\<U+200F\\>", "<U+2066>x<U+2069> <U+200F>"),
])
def test_user_text_for_each_place(text, terminal, markdown, csv_cell):
    from views.safe_text import csv_text_cell, markdown_safe, terminal_safe
    assert (terminal_safe(text), markdown_safe(text), csv_text_cell(text)) == \
        (terminal, markdown, csv_cell)


def test_json_text_is_the_same_data_with_escapes():
    from views.safe_text import json_text
    document = {"name": "Bob\u202e\x9b2J\x1b\\ \u2028"}
    text = json_text(document)
    assert '"Bob\\u202e\\u009b2J\\u001b\\\\ \\u2028"' in text
    assert json.loads(text) == document


def test_a_set_of_files_keeps_its_modes_and_refuses_one_name_twice(tmp_path):
    from views.files import staged_files, write_file
    private = tmp_path / "private.csv"
    private.write_text("old")
    private.chmod(0o600)
    write_file(private, "new")
    assert private.read_text() == "new" and private.stat().st_mode & 0o777 == 0o600
    with pytest.raises(AssertionError, match="written twice"):
        with staged_files("none was written") as files:
            files.write(tmp_path / "a.md", "first")
            files.write(tmp_path / "a.md", "second")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["private.csv"]


def test_a_rename_that_fails_says_what_is_already_in_place(tmp_path, monkeypatch):
    import os
    from views.errors import FileWriteError
    from views.files import staged_files
    real_replace = os.replace
    renames = []

    def second_fails(source, target):
        renames.append(target)
        if len(renames) == 2:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(source, target)
    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(FileWriteError) as raised:
        with staged_files("none was written") as files:
            for name in ("a.md", "b.md", "c.md"):
                files.write(tmp_path / name, name)
    assert str(raised.value) == (f"cannot write {tmp_path / 'b.md'}: Invalid cross-device "
                                 "link; 1 file(s) before it were written")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.md"]


def _one_line_by_patterns(text) -> str:
    from views import safe_text
    text = safe_text.CONTROL.sub(" ", safe_text.ESCAPE_SEQUENCE.sub("", str(text)))
    return safe_text.BIDI_CONTROL.sub(lambda found: f"<U+{ord(found.group()):04X}>", text)


def _markdown_by_patterns(text) -> str:
    from views import safe_text
    text = safe_text.MARKDOWN_PUNCTUATION.sub(r"\\\1", _one_line_by_patterns(text).strip())
    return safe_text.MARKDOWN_BLOCK_MARK.sub(
        r"\\\1", safe_text.MARKDOWN_LIST_NUMBER.sub(r"\1\\\2", text))


@pytest.mark.parametrize("text", [
    "", " ", "plain", "new_logo", "a*b", "[x](y)", "<b>", "a|b", "~x", "`x`", "\\", " #h",
    "# h", "+1", "=SUM(A1)", "-5", "1.", "12) x", "12 .", "12,345.67", "1.5", "２.", "²)",
    "٣. x", "a\tb", "a\x7fb", "a\x85b", "\x1b[31mred", "\x9b2J", "\x1b]0;t\x07x", "a\u2028b",
    "100\u202e", "\u2066x\u2069", "é_ü", None, 5])
def test_the_fast_paths_of_one_line_and_markdown_safe_give_what_the_patterns_give(text):
    """Usual text skips the regular expressions; it must come out as they would make it."""
    from views.safe_text import markdown_safe, one_line
    assert one_line(text) == _one_line_by_patterns(text)
    assert markdown_safe(text) == _markdown_by_patterns(text)
    assert markdown_safe(text) == _markdown_by_patterns(text)  # again, from the cache
