"""The example project of docs/companies.md: five bidders, their registry
files, and the links among them.

- b01 and b02: their bids' 法定代表人身份证明 name the same person with the
  same 身份证号 (no registry row needed);
- b03 controls b04 through 中山市宏达控股有限公司, which does not bid;
- b05 shares a bank, an auditor and the city's state asset commission as a
  shareholder with b03 and b04: none of these links anybody.

    python tools/companies_example.py FOLDER
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import synth  # noqa: E402

NAMES = {
    "b01": "中山市甲建设有限公司",
    "b02": "中山市乙工程有限公司",
    "b03": "中山市丙建工集团有限公司",
    "b04": "中山市丁市政工程有限公司",
    "b05": "中山市戊路桥工程有限公司",
}
HOLDING = "中山市宏达控股有限公司"
STATE = "中山市人民政府国有资产监督管理委员会"


def write_example(root: Path) -> None:
    """Write the example project under ``root``."""
    rng = random.Random(2022)
    codes = {b: synth.make_credit_code(rng) for b in NAMES}
    holding = synth.make_credit_code(rng)
    shared = synth.make_resident_id(rng)
    reps = {
        "b01": ("张三", shared),
        "b02": ("张三", shared),
        "b03": ("李四", synth.make_resident_id(rng)),
        "b04": ("王五", synth.make_resident_id(rng)),
        "b05": ("赵六", synth.make_resident_id(rng)),
    }
    forms = synth.tender_forms(
        "某某路改造工程", "中山市某某局", "中山市公信招标代理有限公司", "0760-88886666"
    )
    for n, (bidder, name) in enumerate(NAMES.items()):
        filled = synth.filled_forms(
            forms,
            name,
            reps[bidder][0],
            "代理人" + "甲乙丙丁戊"[n],
            round(12_000_000 + rng.uniform(0, 900_000), 2),
            extra={
                "法定代表人身份证号码": reps[bidder][1],
                "委托代理人身份证号码": synth.make_resident_id(rng),
                "统一社会信用代码": codes[bidder],
            },
        )
        synth.write_docx(
            root / "bids" / bidder / "商务标.docx", synth.sections_to_paragraphs(filled)
        )
    (root / "project.json").write_text(
        json.dumps(
            {
                "id": "ZS-2026-0022",
                "name": "某某路改造工程",
                "bidders": {b: {"name": n} for b, n in NAMES.items()},
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    rows = ["bidder,credit_code,name,legal_representative,legal_representative_id,address,phone"]
    for n, bidder in enumerate(("b03", "b04", "b05")):
        rep, number = reps[bidder]
        rows.append(
            f"{bidder},{codes[bidder]},{NAMES[bidder]},{rep},{number},"
            f"中山市东区中山四路{88 + n}号,0760-8812345{n}"
        )
    rows.append(f",{holding},{HOLDING},李四,{reps['b03'][1]},中山市石岐区民族路1号,")
    (root / "companies.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    relations = [
        "company,role,name,id,share",
        f"b04,股东,{HOLDING},{holding},70",
        f"{holding},股东,{NAMES['b03']},{codes['b03']},100",
        f"b04,股东,{STATE},,30",
        f"b05,股东,{STATE},,51",
        "b04,开户银行,中国建设银行中山分行,,",
        "b05,开户银行,中国建设银行中山分行,,",
        "b04,审计机构,中山市正信会计师事务所有限公司,,",
        "b05,审计机构,中山市正信会计师事务所有限公司,,",
        "b05,总经理,钱七,,",
    ]
    (root / "company_relations.csv").write_text("\n".join(relations) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_example(Path(sys.argv[1]))
