"""Every Chinese label a regulator reads: alert kinds, fields, measures, statuses.

One table per thing labelled, used by the detectors (the ``label`` a report
entry carries), the HTML page and the terminal summary. A report's own label
always wins over these when a view shows an entry.
"""

from __future__ import annotations

SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}

# Alert kinds of the contract.
KIND_LABELS = {
    "identical_file": "文件完全相同",
    "shared_signature": "特征码相同",
    "near_duplicate_text": "文本雷同",
    "shared_identifier": "人员、证书或联系方式相同",
    "mixed_documents": "投标文件相互混装",
    "price_pattern": "报价呈规律性",
    "company_link": "投标人之间存在关联关系",
}

# Company links (company_link alerts' details.link).
LINK_LABELS = {
    "same_legal_representative": "法定代表人为同一人",
    "control": "控股关系",
    "common_controller": "同受一方控股",
    "management": "管理关系（交叉任职）",
    "shareholding": "股权关联（参股，未达控股）",
    "shared_address": "注册地址相同",
    "shared_phone": "登记电话相同",
    "shared_email": "登记电子邮箱相同",
}

# What a person or company is to a company (company relations' roles).
ROLE_LABELS = {
    "shareholder": "股东",
    "legal_representative": "法定代表人",
    "chairman": "董事长",
    "director": "董事",
    "manager": "经理",
    "supervisor": "监事",
    "agent": "委托代理人",
    "bank": "开户银行",
    "auditor": "审计机构",
    "address": "注册地址",
    "phone": "登记电话",
    "email": "登记电子邮箱",
}

STATUS_LABELS = {
    "ok": "已分析",
    "no_text": "无可提取文本",
    "error": "读取失败",
    "refused": "未打开（安全限制）",
    "partial": "仅部分分析",
}

SOURCE_LABELS = {
    "pdf": "PDF 元数据",
    "docx": "DOCX 元数据",
    "csv": "电子招投标系统导出",
}

# Field names in Chinese, for reports whose entries carry no ``label`` of
# their own: the e-bidding codes the contract names, the common document
# metadata fields, and price evidence. Identifier kinds come from

# Signature codes, document metadata and price evidence, by field name: the
# e-bidding codes the contract names, the document metadata the extractors
# read (lineage ids, typed names, templates), and price fields.
FIELD_LABELS: dict[str, str] = {
    "rsid_root": "DOCX 文档根标识 rsidRoot",
    "rsid": "DOCX 编辑会话标识 rsid",
    "docid_w14": "DOCX 文档标识 w14:docId",
    "docid_w15": "DOCX 文档标识 w15:docId",
    "wps_icv": "WPS 文档标识 ICV",
    "pdf_id_0": "PDF 文档标识 /ID[0]",
    "pdf_id_1": "PDF 版本标识 /ID[1]",
    "xmp_document_id": "XMP 文档标识 DocumentID",
    "xmp_instance_id": "XMP 实例标识 InstanceID",
    "xmp_original_document_id": "XMP 原始文档标识 OriginalDocumentID",
    "image_sha256": "内嵌图片（哈希相同）",
    "image": "内嵌图片（像素相同）",
    "image_near": "内嵌图片（像素近似）",
    "machine_code": "文件制作机器码",
    "mac": "网卡 MAC 地址",
    "disk_serial": "硬盘序列号",
    "cpu_id": "CPU 序列号",
    "ca_serial": "CA 数字证书序列号",
    "pricing_lock": "计价软件加密锁号",
    "deposit_account": "保证金转出账户",
    "upload_ip": "上传 IP",
    "download_ip": "下载 IP",
    "decrypt_ip": "解密 IP",
    "author": "文档作者",
    "last_modified_by": "最后修改人",
    "company": "文档单位（Company）",
    "manager": "文档经理（Manager）",
    "template": "文档模板",
    "attached_template": "附加模板路径",
    "comment_author": "批注作者",
    "revision_author": "修订作者",
    "created": "文档创建时间",
    "title": "文档标题",
    "kso_product_build_ver": "WPS 版本号",
    "app_version": "应用程序版本",
    "ofd_doc_id": "OFD 文档标识 DocID",
    "ofd_seal_id": "OFD 电子印章编码 esID",
    "ofd_signer_cert_serial": "OFD 签章人证书序列号",
    "ofd_created": "OFD 创建时间 CreationDate",
    "ofd_modified": "OFD 修改时间 ModDate",
    "ofd_created_date": "OFD 创建日期 CreationDate",
    "ofd_modified_date": "OFD 修改日期 ModDate",
    "ofd_signature_time": "OFD 签章时间",
    "ofd_sign_provider": "OFD 签章组件",
    "application": "应用程序",
    "producer": "PDF 生成程序",
    "creator": "创建程序",
    "sha256": "文件 SHA-256",
    "bidder_name": "投标人名称",
    "company_name": "公司名称",
    "bid_price": "投标报价",
    "unit_price": "综合单价",
    "arithmetic_error": "计算错误",
}

# Identifier kinds found in bid text (collusion.analysis.identifiers).
IDENTIFIER_LABELS = {
    "person": "人员姓名",
    "builder_cert": "注册建造师注册编号",
    "safety_cert": "安全生产考核合格证书编号",
    "resident_id": "身份证号",
    "mobile": "手机号码",
    "landline": "固定电话",
    "email": "电子邮箱",
    "bank_account": "银行账号",
    "credit_code": "统一社会信用代码",
}

MEASURE_LABELS = {
    "identity_fields": "记录此账户名的项目",
    "generic_name": "账户名说明",
    "chance": "偶然出现的概率",
    "bids": "报价家数",
    "resolution": "报价精度（元）",
    "round_step": "步长为整数",
    "round_price": "整数报价",
    "discount_from_ceiling": "相对最高投标限价的下浮率",
    "note": "说明",
    "ocr_note": "OCR 提示",
    "shared_count": "相同的编辑会话数",
    "bidders_with_value": "含此值的投标人数",
    "bidders_in_project": "项目投标人数",
    "match": "比对结果",
    "pixel_hashes": "各方图片的像素哈希",
    "compared_at": "比对尺寸（像素）",
    "mean_difference": "平均灰度差（0–255）",
    "worst_block": "最大局部灰度差（0–255）",
    "jaccard": "Jaccard 相似度",
    "containment": "包含度",
    "shared_chars": "雷同字数",
    "weighted_chars": "加权雷同字数",
    "share": "占非模板文字比例",
    "passages": "雷同段落数",
    "shared_passages": "雷同段落数",
    "rare_spans": "特殊字句（如相同错别字）",
    "section_pairs": "雷同章节对数",
    "parameter_section_pairs": "技术参数一致的章节对数",
    "tfidf_cosine": "TF-IDF 余弦相似度",
    "cosine": "余弦相似度",
    "candidates_compared": "比对的候选章节对",
    "shared_shingles": "相同片段数",
    "pattern": "规律",
    "ratio": "比值",
    "ratio_lines": "呈固定比例的清单项数",
    "ratio_share": "呈固定比例的清单项占比",
    "step": "公差或公比",
    "price": "报价（元）",
    "order": "由低到高",
    "shared_errors": "相同的计算错误数",
    "identical_errors": "数值完全相同的计算错误数",
    "source": "来源",
    "field": "项目",
    "label": "项目",
    "value": "值",
    "normalized": "规范化值",
    "strength": "证据强度",
    "roles": "岗位",
    "names": "姓名",
    "carriers": "涉及投标人数",
    "project_bidders": "项目投标人数",
    "bank": "开户行",
    "deposit": "保证金账户",
    "carrier": "出现于",
    "named": "被提及的投标人",
    "fields": "项目",
    "values": "值",
    "mentions": "出现次数",
    "declared": "出现在落款、盖章处或信用代码",
    "files": "文件",
    "comparable_lines": "可比清单项数",
    "identical_lines": "综合单价相同的项数",
    "identical_share": "综合单价相同的占比",
    "link": "关联类型",
    "legal_note": "法律依据说明",
    "via": "关联主体",
}


PATTERN_LABELS = {
    "identical_price": "报价完全相同",
    "arithmetic_progression": "等差数列",
    "geometric_progression": "等比数列",
    "identical_unit_prices": "综合单价相同",
    "constant_unit_price_ratio": "综合单价呈固定比例",
    "shared_arithmetic_errors": "相同的计算错误",
}

# The pipeline's project-level price screens: name -> (label, what it measures).
SCREEN_LABELS = {
    "cv": ("变异系数 CV", "报价标准差 ÷ 平均报价；越小，报价越集中"),
    "spread": ("价差率", "（最高报价 − 最低报价）÷ 最低报价"),
    "diffp": ("最低两家差距 DIFFP", "（次低报价 − 最低报价）÷ 最低报价"),
    "rd": ("相对距离 RD", "最低两家的差距 ÷ 落标报价的标准差"),
    "skewness": ("偏度", "报价分布的偏斜程度（G1）"),
    "kurtosis": ("峰度", "报价分布的超额峰度（G2）"),
    "ks": ("KS 距离", "报价与均匀分布的 Kolmogorov–Smirnov 距离；等距报价为 1/n"),
    # Features a screens model may use besides the screens.
    "bids": ("报价家数", "有效报价的投标人数"),
    "mean_discount": ("平均下浮率", "1 − 平均报价 ÷ 招标控制价（需要招标控制价）"),
    "min_discount": ("最低价下浮率", "1 − 最低报价 ÷ 招标控制价（需要招标控制价）"),
}

# Where in a DOCX a quoted text is (Evidence.story, Block.story).
STORY_LABELS = {
    "body": "正文",
    "textbox": "文本框",
    "embedded": "嵌入内容",
    "header": "页眉",
    "footer": "页脚",
    "footnote": "脚注",
    "endnote": "尾注",
    "comment": "批注",
    "deleted": "修订中删除的文字",
}

# How two images were found to be one picture (details.match).
MATCH_LABELS = {"near_identical": "像素近似（同一图片经重新压缩或缩放）"}

STRENGTH_LABELS = {"high": "强", "medium": "中", "low": "弱", "none": "不作为证据"}

INDUSTRY_LABELS = {
    "construction": "工程建设",
    "procurement": "政府采购",
    "medicine": "药品和医用耗材采购",
}


def field_name(field: str) -> str | None:
    """The Chinese name of a field or identifier kind; None when it has none."""
    if field.startswith("custom:"):
        return f"自定义属性 {field.split(':', 1)[1]}"
    if field.startswith("role:"):  # a step of a company link: what the holder is to a company
        return ROLE_LABELS.get(field.split(":", 1)[1])
    return FIELD_LABELS.get(field) or IDENTIFIER_LABELS.get(field)
