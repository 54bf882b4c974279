"""The papers bbgky implements, as BibTeX, and which of them a configured run uses.

``bbgky cite RUN_DIR`` prints :func:`bibtex` of :func:`used_by` for the run's configuration and
the levels it wrote; the report ends with the same list (:func:`text`). Code and documentation
refer to the two source papers by name: "James–Qi–Wang (OMD kinetic paper) eq. N" is
:data:`ENTRIES` ``["james_qi_wang"]``, "Promislow tutorial" is ``["promislow"]``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    kind: str  # BibTeX entry type
    fields: tuple[tuple[str, str], ...]
    what: str  # what bbgky takes from it

    def get(self, name: str) -> str:
        return dict(self.fields).get(name, "")


def _e(kind: str, what: str, **fields: str) -> Entry:
    return Entry(kind, tuple(fields.items()), what)


ENTRIES: dict[str, Entry] = {
    "james_qi_wang": _e(
        "misc",
        "the hierarchy: OMD, mean-field and Boltzmann–Grad scalings, homo-energetic Boltzmann, "
        "Euler and Navier–Stokes of homo-energetic flows (cited as 'James–Qi–Wang eq. N')",
        author="Richard D. James and Kunlun Qi and Li Wang",
        title="On the kinetic description of the objective molecular dynamics",
        year="2023",
        eprint="2307.16814",
        archivePrefix="arXiv",
        note="arXiv preprint arXiv:2307.16814 (v2)",
        url="https://arxiv.org/abs/2307.16814",
    ),
    "promislow": _e(
        "misc",
        "the BBGKY hierarchy, mean-field reduction and correlations as fluctuations "
        "(cited as 'Promislow tutorial')",
        author="Keith Promislow",
        title="Correlation as Stochasticity",
        howpublished="Tutorial, IPAM workshop Electrochemistry and Stochasticity, Institute for Pure and "
        "Applied Mathematics, Los Angeles, September 3--5",
        year="2025",
    ),
    "dayal_james": _e(
        "article",
        "objective molecular dynamics (the deforming periodic cell of homo-energetic flows)",
        author="Kaushik Dayal and Richard D. James",
        title="Nonequilibrium molecular dynamics for bulk materials and nanostructures",
        journal="Journal of the Mechanics and Physics of Solids",
        volume="58",
        number="2",
        pages="145--163",
        year="2010",
        doi="10.1016/j.jmps.2009.10.008",
    ),
    "verlet": _e(
        "article",
        "velocity-Verlet integration and neighbour lists",
        author="Loup Verlet",
        title="Computer ``experiments'' on classical fluids. I. Thermodynamical properties of "
        "Lennard-Jones molecules",
        journal="Physical Review",
        volume="159",
        number="1",
        pages="98--103",
        year="1967",
        doi="10.1103/PhysRev.159.98",
    ),
    "wca": _e(
        "article",
        "the WCA potential (Lennard-Jones cut and shifted at its minimum)",
        author="John D. Weeks and David Chandler and Hans C. Andersen",
        title="Role of repulsive forces in determining the equilibrium structure of simple liquids",
        journal="The Journal of Chemical Physics",
        volume="54",
        number="12",
        pages="5237--5247",
        year="1971",
        doi="10.1063/1.1674820",
    ),
    "lennard_jones": _e(
        "article",
        "the Lennard-Jones 12-6 potential",
        author="John E. Lennard-Jones",
        title="On the determination of molecular fields. II. From the equation of state of a gas",
        journal="Proceedings of the Royal Society of London A",
        volume="106",
        number="738",
        pages="463--477",
        year="1924",
        doi="10.1098/rspa.1924.0082",
    ),
    "evans_morriss": _e(
        "book",
        "homogeneous shear in molecular dynamics (SLLOD, Lees–Edwards), viscous heating",
        author="Denis J. Evans and Gary P. Morriss",
        title="Statistical Mechanics of Nonequilibrium Liquids",
        edition="2",
        publisher="Cambridge University Press",
        address="Cambridge",
        year="2008",
        doi="10.1017/CBO9780511535307",
    ),
    "lees_edwards": _e(
        "article",
        "sliding-brick periodic images of a sheared cell",
        author="A. W. Lees and S. F. Edwards",
        title="The computer study of transport processes under extreme conditions",
        journal="Journal of Physics C: Solid State Physics",
        volume="5",
        number="15",
        pages="1921--1928",
        year="1972",
        doi="10.1088/0022-3719/5/15/006",
    ),
    "lanford": _e(
        "incollection",
        "the Boltzmann–Grad limit of hard-sphere dynamics",
        author="Oscar E. Lanford III",
        title="Time evolution of large classical systems",
        booktitle="Dynamical Systems, Theory and Applications",
        editor="J. Moser",
        series="Lecture Notes in Physics",
        volume="38",
        pages="1--111",
        publisher="Springer",
        year="1975",
        doi="10.1007/3-540-07171-7_1",
    ),
    "bird": _e(
        "book",
        "direct simulation Monte Carlo (no-time-counter majorant scheme)",
        author="Graeme A. Bird",
        title="Molecular Gas Dynamics and the Direct Simulation of Gas Flows",
        publisher="Clarendon Press",
        address="Oxford",
        year="1994",
    ),
    "babovsky": _e(
        "article",
        "the DSMC scheme as a particle approximation of the homogeneous Boltzmann equation",
        author="Hans Babovsky",
        title="On a simulation scheme for the Boltzmann equation",
        journal="Mathematical Methods in the Applied Sciences",
        volume="8",
        number="1",
        pages="223--233",
        year="1986",
        doi="10.1002/mma.1670080114",
    ),
    "nanbu": _e(
        "article",
        "Nanbu's stochastic collision scheme",
        author="Kenichi Nanbu",
        title="Direct simulation scheme derived from the Boltzmann equation. I. Monocomponent gases",
        journal="Journal of the Physical Society of Japan",
        volume="49",
        number="5",
        pages="2042--2049",
        year="1980",
        doi="10.1143/JPSJ.49.2042",
    ),
    "mouhot_pareschi": _e(
        "article",
        "the fast spectral method for the Boltzmann collision operator",
        author="Cl{\\'e}ment Mouhot and Lorenzo Pareschi",
        title="Fast algorithms for computing the Boltzmann collision operator",
        journal="Mathematics of Computation",
        volume="75",
        number="256",
        pages="1833--1852",
        year="2006",
        doi="10.1090/S0025-5718-06-01874-6",
    ),
    "gamba_spectral": _e(
        "article",
        "the spectral method for general collision kernels",
        author="Irene M. Gamba and Jeffrey R. Haack and Cory D. Hauck and Jingwei Hu",
        title="A fast spectral method for the Boltzmann collision operator with general collision kernels",
        journal="SIAM Journal on Scientific Computing",
        volume="39",
        number="4",
        pages="B658--B674",
        year="2017",
        doi="10.1137/16M1096001",
    ),
    "lebedev": _e(
        "article",
        "Lebedev quadrature on the sphere (spectral collision operator)",
        author="V. I. Lebedev and D. N. Laikov",
        title="A quadrature formula for the sphere of the 131st algebraic order of accuracy",
        journal="Doklady Mathematics",
        volume="59",
        number="3",
        pages="477--481",
        year="1999",
    ),
    "bgk": _e(
        "article",
        "the BGK relaxation model of the collision operator",
        author="P. L. Bhatnagar and E. P. Gross and M. Krook",
        title="A model for collision processes in gases. I. Small amplitude processes in charged and "
        "neutral one-component systems",
        journal="Physical Review",
        volume="94",
        number="3",
        pages="511--525",
        year="1954",
        doi="10.1103/PhysRev.94.511",
    ),
    "chapman_cowling": _e(
        "book",
        "Chapman–Enskog transport coefficients (viscosity, Sonine expansion), the Enskog dense-gas "
        "correction",
        author="Sydney Chapman and T. G. Cowling",
        title="The Mathematical Theory of Non-uniform Gases",
        edition="3",
        publisher="Cambridge University Press",
        address="Cambridge",
        year="1970",
    ),
    "neufeld": _e(
        "article",
        "the fit of the collision integral Ω^(2,2)*(T*) for Lennard-Jones 12-6",
        author="Philip D. Neufeld and A. R. Janzen and R. A. Aziz",
        title="Empirical equations to calculate 16 of the transport collision integrals Omega(l,s)* for "
        "the Lennard-Jones (12-6) potential",
        journal="The Journal of Chemical Physics",
        volume="57",
        number="3",
        pages="1100--1102",
        year="1972",
        doi="10.1063/1.1678363",
    ),
    "carnahan_starling": _e(
        "article",
        "the hard-sphere contact value χ(φ) (expected Boltzmann–Grad error)",
        author="Norman F. Carnahan and Kenneth E. Starling",
        title="Equation of state for nonattracting rigid spheres",
        journal="The Journal of Chemical Physics",
        volume="51",
        number="2",
        pages="635--636",
        year="1969",
        doi="10.1063/1.1672048",
    ),
    "garzo_santos": _e(
        "book",
        "exact moment solutions of homo-energetic shear for Maxwell molecules",
        author="Vicente Garz{\\'o} and Andr{\\'e}s Santos",
        title="Kinetic Theory of Gases in Shear Flows: Nonlinear Transport",
        series="Fundamental Theories of Physics",
        volume="131",
        publisher="Kluwer Academic",
        address="Dordrecht",
        year="2003",
        doi="10.1007/978-94-017-0291-1",
    ),
    "bobylev": _e(
        "article",
        "the BKW exact solution of the Boltzmann equation for Maxwell molecules",
        author="A. V. Bobylev",
        title="Exact solutions of the Boltzmann equation",
        journal="Soviet Physics Doklady",
        volume="20",
        pages="822--824",
        year="1976",
    ),
    "krook_wu": _e(
        "article",
        "the BKW exact solution (Krook–Wu)",
        author="Max Krook and Tai Tsun Wu",
        title="Formation of Maxwellian tails",
        journal="Physical Review Letters",
        volume="36",
        number="19",
        pages="1107--1109",
        year="1976",
        doi="10.1103/PhysRevLett.36.1107",
    ),
    "landau": _e(
        "article",
        "Landau damping: the dispersion relation of the Vlasov–Poisson system",
        author="Lev D. Landau",
        title="On the vibrations of the electronic plasma",
        journal="Journal of Physics (USSR)",
        volume="10",
        pages="25--34",
        year="1946",
    ),
    "pot": _e(
        "article",
        "exact discrete optimal transport for W1 (POT, emd2)",
        author="R{\\'e}mi Flamary and Nicolas Courty and Alexandre Gramfort and others",
        title="POT: Python Optimal Transport",
        journal="Journal of Machine Learning Research",
        volume="22",
        number="78",
        pages="1--8",
        year="2021",
    ),
}


def used_by(cfg, levels: list[str] | None = None) -> list[str]:
    """Keys of the entries a run of ``cfg`` uses (``levels``: the levels that ran; default: enabled)."""
    levels = list(cfg.levels.enabled()) if levels is None else list(levels)
    keys = ["james_qi_wang", "promislow"]
    potential = cfg.interaction.potential
    flow = cfg.flow.kind if cfg.flow is not None and cfg.flow.rate != 0 else None
    if "particles" in levels:
        keys += ["dayal_james", "verlet"]
        if flow == "simple_shear":
            keys += ["evans_morriss", "lees_edwards"]
        if potential == "wca":
            keys.append("wca")
        if potential in ("wca", "lj"):
            keys.append("lennard_jones")
        if cfg.interaction.scaling == "boltzmann_grad":
            keys.append("lanford")
    if "vlasov" in levels and cfg.initial.kind in ("landau", "two_stream", "bump_on_tail"):
        keys.append("landau")
    b = cfg.levels.boltzmann
    if "boltzmann" in levels and b is not None:
        keys += {
            "dsmc": ["bird", "babovsky", "nanbu"],
            "spectral": ["mouhot_pareschi", "gamba_spectral", "lebedev"],
            "bgk": ["bgk", "chapman_cowling"],
            "moments": ["garzo_santos"],
        }.get(b.method, [])
        if b.kernel == "from_potential":
            keys.append("chapman_cowling")
        if cfg.initial.kind == "bkw":
            keys += ["bobylev", "krook_wu"]
        if flow == "simple_shear" and b.kernel == "maxwell":
            keys.append("garzo_santos")
    if "navier_stokes" in levels:
        keys.append("chapman_cowling")
        if potential in ("lj", "wca"):
            keys.append("neufeld")
    if "particles" in levels and "boltzmann" in levels:
        keys += ["carnahan_starling", "pot"]
    return list(dict.fromkeys(keys))


def bibtex(keys: list[str]) -> str:
    """BibTeX of the entries ``keys``; a comment line says what bbgky takes from each."""
    out = []
    for key in keys:
        e = ENTRIES[key]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in e.fields)
        out.append(f"% {e.what}\n@{e.kind}{{{key},\n{body}\n}}")
    return "\n\n".join(out) + "\n"


def text(key: str) -> str:
    """One readable line: authors, title, where, year (DOI or arXiv)."""
    e = ENTRIES[key]
    where = (
        e.get("journal") or e.get("booktitle") or e.get("publisher") or e.get("howpublished") or e.get("note")
    )
    detail = ", ".join(x for x in (e.get("volume"), e.get("pages")) if x)
    link = f"doi:{e.get('doi')}" if e.get("doi") else (f"arXiv:{e.get('eprint')}" if e.get("eprint") else "")
    parts = [
        e.get("author").replace(" and ", ", "),
        f"“{e.get('title')}”",
        where,
        detail,
        e.get("year"),
        link,
    ]
    return (
        ". ".join(p for p in parts if p)
        .replace("{\\'e}", "é")
        .replace("{\\'o}", "ó")
        .replace("{\\'a}", "á")
        .replace("``", "“")
        .replace("''", "”")
        .replace("--", "–")
        + f" — {e.what}."
    )


__all__ = ["ENTRIES", "Entry", "bibtex", "text", "used_by"]
