"""``specproof certify`` and ``check``: bound a 2->q norm, check a certificate file."""

from __future__ import annotations

import argparse
import math
import re
import sys

from specproof.cli.common import UsageError, non_negative_int


def add_certify(sub) -> None:
    p = sub.add_parser(
        "certify",
        help="bound ||X||_{2->q} from both sides and write an SoS certificate",
        description="Print the sandwich lower <= ||X||_{2->q} <= upper (power-method witness "
        "below, SoS certificate above); with -o, write the certificate file (without -o "
        "nothing is written).",
    )
    # "--C -1e-5", "--C -inf", "--C -1/3" are (bad) values, not unknown options: let them
    # reach as_bound, which names them (argparse otherwise says "expected one argument")
    p._negative_number_matcher = re.compile(
        r"^-([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$|^-[0-9]+/[0-9]+$|^-(inf|nan)",
        re.IGNORECASE)
    p.add_argument("matrix", metavar="X", help="the data: a .npy or .csv file (rows x_i)")
    # q and the solver are validated by certify() (one definition of the limits, in
    # specproof.certificates.constants), before any work: a bad value exits 2
    p.add_argument("--q", type=q_argument, default=4,
                   help="even exponent of the certified norm, 2 to 6 (default 4)")
    p.add_argument("--C", dest="bound", metavar="VALUE",
                   help="certify this bound on ||X||_{2->q}^q (a number or p/q, in the units "
                   "of X) instead of the SoS value; a false bound is reported as FALSE "
                   "with its witness, exit status 4")
    p.add_argument("--exact", action="store_true",
                   help="round to a rational Gram matrix and verify it exactly")
    p.add_argument("--solver", default="auto",
                   help="conic solver: auto (default) takes the interior-point Clarabel where "
                   "its measured time and memory are small, first-order SCS beyond; "
                   "mosek only when asked for (needs a licence)")
    p.add_argument("-o", "--output", metavar="CERT",
                   help="write the certificate here (.json); without -o nothing is written")
    p.add_argument("--seed", type=non_negative_int, default=0,
                   help="seed of the power method's random restarts")
    p.add_argument("--json", action="store_true", help="print the sandwich as one JSON object")
    p.set_defaults(func=_cmd_certify)


def q_argument(text: str) -> int | str:
    """``--q`` as an int when it is one, integral float text included (``4.0``, ``4e0``:
    ``certify(q=4.0)`` accepts them too); anything else goes to ``certify`` as given,
    whose check words every refusal alike (``inf``, ``-4``, ``3``: "an even integer >= 2
    and <= 6"). ASCII only, as for ``--C``: Python's ``int`` and ``float`` also read
    full-width and other scripts' digits (``４`` was q = 4), ``4_0`` and ``" 4"``."""
    if not text.isascii() or "_" in text or text != text.strip():
        return text  # refused by certify's check, which names --q and the text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if math.isfinite(value) and value == int(value) else text


def add_check(sub) -> None:
    p = sub.add_parser(
        "check",
        help="check a certificate file",
        description="Re-derive the polynomial identity from the file's data and bound and "
        "check it with the Gram matrix: prints VALID or INVALID with the reason.",
    )
    p.add_argument("certificate", metavar="CERT",
                   help="a certificate file written by `specproof certify -o`")
    p.add_argument("--exact", action="store_true", help="check in exact rational arithmetic")
    p.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    p.set_defaults(func=_cmd_check)


# the library names its parameters; the command line user typed flags
_FLAGS = {"q": "--q", "C": "--C", "solver": "--solver", "seed": "--seed"}


def _as_flags(message: str, args: argparse.Namespace) -> str:
    """``message`` with a leading library parameter name replaced by its flag, and an
    integer ``--q`` the library converted ("got 3.0") shown as typed ("got 3")."""
    name, _, rest = message.partition(" ")
    if name not in _FLAGS or not rest.startswith("must"):
        return message
    if name == "q" and isinstance(args.q, int):  # the library shows the float it made
        head, sep, _ = rest.rpartition(", got ")
        rest = f"{head}, got {args.q}" if sep else rest
    return f"{_FLAGS[name]} {rest}"


def _not_the_input(output: str | None, matrix: str) -> None:
    """Refuse ``-o`` naming the matrix file itself: the certificate replaced the data."""
    import os

    if output is None:
        return
    try:
        same = os.path.samefile(output, matrix)
    except OSError:  # one of them does not exist (yet): not the same file
        same = False
    if same:
        raise UsageError(f"-o {output} is the input matrix {matrix}: the certificate would "
                         "replace the data it certifies; give another file name")


def _cmd_certify(args: argparse.Namespace) -> int:
    import json

    from specproof.certificates import (
        CertificationError,
        FalseBoundError,
        SolverError,
        certify,
        load_matrix,
        two_to_q,
        writable_output,
    )
    from specproof.certificates.rational_text import directed_text, rational_str
    from specproof.certificates.refute import as_bound

    try:
        writable_output(args.output)  # before any work: a bad -o costs nothing
        _not_the_input(args.output, args.matrix)
        X = load_matrix(args.matrix)
        bound = None if args.bound is None else as_bound(args.bound)
    except (OSError, ValueError, MemoryError) as exc:  # MemoryError: a ResourceLimitError
        raise UsageError(_as_flags(str(exc), args)) from exc
    try:
        # certify first: its up-front checks (size, X = 0) refuse before any other work
        cert = certify(X, q=args.q, exact=args.exact, solver=args.solver, output=args.output,
                       C=bound)
        lower = two_to_q(X, q=args.q, method="power", seed=args.seed)
    except FalseBoundError as exc:
        return _false_bound(args, exc)
    except (CertificationError, SolverError) as exc:
        print(f"specproof certify: could not certify: {exc}", file=sys.stderr)
        return 1
    except (ValueError, MemoryError) as exc:  # bad input; ResourceLimitError up front
        raise UsageError(_as_flags(str(exc), args)) from exc
    except OverflowError:
        # --C 1e400 (exact, as a rational) overflowed a float inside the check: a traceback
        raise UsageError(f"--C {args.bound} is beyond the float range (about 1.8e308) at this "
                         "data's scale; scale X, or give a bound within it") from None
    upper = cert.norm_upper
    method = f"sos{args.q}" + ("-exact" if args.exact else "")
    sandwich = {
        "q": args.q,
        "lower": float(lower.lower),
        "upper": upper,
        "ratio": upper / float(lower.lower) if lower.lower > 0 else None,
        "witness": [float(v) for v in lower.witness],
        "method": method,
        "lower_method": "power",
        "bound_qth_power": rational_str(cert.C),  # past 4300 digits
        "certificate": args.output,
        "exact": bool(args.exact),
        "x_sha256": cert.x_sha256,
        "solver": cert.provenance.get("solver"),
        "solver_reason": (cert.provenance.get("solver_choice") or {}).get("reason"),
        "delta": cert.provenance.get("delta"),
    }
    if args.json:
        print(json.dumps(sandwich))
        return 0
    print(f"||X||_(2->{args.q}) of a {X.shape[0]}x{X.shape[1]} matrix")
    # rounded outward: a bound printed to nearest can cross the value it bounds
    print(f"  lower  {directed_text(sandwich['lower'], 12, up=False)}   (power method; "
          "witness below)")
    print(f"  upper  {directed_text(upper, 12, up=True)}   ({method}: ||X||^{args.q} <= "
          f"{cert.c_decimal})")
    if sandwich["ratio"] is not None:
        print(f"  ratio  {sandwich['ratio']:.6g}")
    import numpy as np

    print("  witness " + np.array2string(lower.witness, precision=6, separator=", "))
    how = ("C given by --C" if bound is not None
           else f"C = SoS value x (1 + {sandwich['delta']:.2e})")
    print(f"  solver {sandwich['solver']} ({sandwich['solver_reason']}); {how}")
    if args.output:
        print(f"certificate written to {args.output}")
    else:
        print("certificate not written (give -o FILE to write it)")
    return 0


def _false_bound(args: argparse.Namespace, exc) -> int:
    """A false ``--C``: the verdict and the witness on stdout, exit status 4."""
    import json

    from specproof.certificates.rational_text import rational_str
    from specproof.certificates.refute import significant

    if args.json:  # rational_str: str() of a 1e-50000 raised past 4300 digits (exit 70)
        print(json.dumps({"q": args.q, "false": True, "C": rational_str(exc.C),
                          "witness_value": significant(exc.value, 17),
                          "witness": [float(v) for v in exc.witness],
                          "reason": str(exc)}))
    else:
        print(str(exc))
        # repr: the exact floats, to paste back
        print("  witness v = [" + ", ".join(repr(float(x)) for x in exc.witness) + "]")
    return 4


def _cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 VALID, 1 INVALID (the file is a certificate that does not prove its bound),
    2 the file cannot be read as a certificate, is missing, or is numeric under --exact
    (one line, whatever is wrong with it)."""
    import dataclasses
    import json

    from specproof.certificates import file_read
    from specproof.certificates.checker import check_bytes

    path = str(args.certificate)
    try:
        # read ONCE: the checker choice, the proof and the statement text all judge these
        # bytes (a FIFO or a file swapped between reads made a false statement VALID);
        # a FIFO, device or socket, a link loop or a file over 256 MiB is refused here
        data = file_read.read_certificate_bytes(path)
    except file_read.CertificateFileError as exc:
        raise UsageError(str(exc)) from None
    result = check_bytes(data, exact=args.exact, source=path)
    if result.code == "not_exact":
        raise UsageError(f"{path!r} is not an exact certificate (its Gram matrix has no "
                         "rational entries: it was written without --exact); check it "
                         "without --exact")
    line = result.verdict_line
    text_check = None
    if result.ok and type(result).__name__ == "SoSCheckResult":
        # a general SoS certificate proves p >= 0 for the p in the file: make sure its
        # statement text says the same (a forger could edit the text and its hash);
        # the document parsed from the same bytes, never the file again
        from specproof.certificates.sos_certificate import SoSCertificate, parse_json
        from specproof.lemmas.recheck import statement_matches

        same, why = statement_matches(
            SoSCertificate.from_dict(parse_json(data.decode("utf-8"), path)))
        text_check = why
        if not same:
            result = dataclasses.replace(result, ok=False, code="statement_mismatch",
                                         reason=why, message=why)
            line = result.verdict_line
        else:
            line = f"{line}; {why}"
    status = 0 if result.ok else (2 if result.code == "malformed" else 1)
    if args.json:
        print(json.dumps({"valid": bool(result.ok), "code": result.code,
                          "reason": result.reason, "statement": result.statement,
                          "shape": list(result.shape) if result.shape else None,
                          "x_sha256": result.x_sha256, "exact": bool(args.exact or
                                                                     result.exact),
                          "statement_text_check": text_check}))
    else:
        print(line)
    return status


