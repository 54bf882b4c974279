"""Citations: full entries, the papers a run used as BibTeX (`bbgky cite`), no anonymous
"paper eq. N" left in code and docs."""

import re
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from bbgky import references
from bbgky.cli import app
from bbgky.config import to_toml, validate

ROOT = Path(__file__).parents[2]
FLAGSHIP = {"interaction": {"potential": "wca", "scaling": "boltzmann_grad", "range": 0.1},
            "flow": {"kind": "simple_shear", "rate": 0.5}, "time": {"step": 0.001},
            "levels": {"particles": {}, "boltzmann": {"method": "dsmc", "kernel": "from_potential"},
                       "navier_stokes": {}, "euler": {}}}


def test_every_entry_is_complete():
    for key, e in references.ENTRIES.items():
        assert e.get("author") and e.get("title") and re.fullmatch(r"\d{4}", e.get("year")), key
        assert e.get("journal") or e.get("publisher") or e.get("booktitle") or e.get("howpublished") \
            or e.get("eprint"), key
        assert references.bibtex([key]).count("{") == references.bibtex([key]).count("}")
    jqw = references.ENTRIES["james_qi_wang"]
    assert jqw.get("eprint") == "2307.16814" and "objective molecular dynamics" in jqw.get("title")
    assert references.ENTRIES["promislow"].get("title") == "Correlation as Stochasticity"


def test_cite_lists_the_papers_of_every_method_the_run_used(tmp_path):
    cfg = validate(FLAGSHIP)
    (tmp_path / "config.toml").write_text(to_toml(cfg))
    for level in ("particles", "boltzmann", "navier_stokes", "euler"):
        (tmp_path / f"{level}.nc").write_bytes(b"")
    res = CliRunner().invoke(app, ["cite", str(tmp_path)])
    assert res.exit_code == 0, res.output
    keys = re.findall(r"^@\w+\{(\w+),", res.output, flags=re.M)
    for key in ("james_qi_wang", "promislow", "dayal_james", "verlet", "wca", "lanford", "bird", "babovsky",
                "nanbu", "chapman_cowling", "neufeld", "evans_morriss", "carnahan_starling"):
        assert key in keys, key
    assert "mouhot_pareschi" not in keys  # DSMC run: no spectral method
    spectral = validate({"levels": {"boltzmann": {"method": "spectral", "kernel": "maxwell"}}})
    assert {"mouhot_pareschi", "gamba_spectral"} <= set(references.used_by(spectral))
    bad = CliRunner().invoke(app, ["cite", str(tmp_path / "nothing")])
    assert bad.exit_code == 2 and "config.toml" in bad.output


def test_no_anonymous_paper_references_in_code_and_docs():
    """'paper eq. N', 'Lemma 2.6', REFERENCE.md: every one names James–Qi–Wang (or docs/references.md)."""
    out = subprocess.run(["grep", "-rnE", "--exclude-dir=*.egg-info",
                          r"paper (002|eq|Lemma|§)|paper's eq|REFERENCE\.md|[^g] Lemma 2\.6",
                          "src", "docs", "validation", "tests", "README.md"], cwd=ROOT, capture_output=True,
                         text=True)
    hits = [line for line in out.stdout.splitlines()
            if "test_citations.py" not in line and not line.startswith("docs/references.md")]
    assert not hits, "\n".join(hits)
    assert (ROOT / "CITATION.cff").is_file() and "2307.16814" in (ROOT / "CITATION.cff").read_text()
    assert "Promislow" in (ROOT / "docs" / "references.md").read_text()
