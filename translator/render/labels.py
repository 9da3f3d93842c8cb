"""Fixed labels of the outputs, in the reader's language where we have them."""

from __future__ import annotations

from ..languages import base

ENGLISH = {
    "abstract": "Abstract", "figures": "Figures and tables", "acknowledgements": "Acknowledgements",
    "annexes": "Appendix", "notes": "Notes", "references": "References", "keywords": "Keywords",
    "untranslated": "Untranslated", "untitled": "Untitled", "contents": "Contents", "show": "Show",
    "both": "Both", "original": "Original", "translation": "Translation", "as_printed": "as printed",
    "no_latex": "formula as printed: no LaTeX could be checked for it",
}  # fmt: skip
CHINESE = {
    "abstract": "摘要 Abstract", "figures": "图表 Figures and tables", "acknowledgements": "致谢 Acknowledgements",
    "annexes": "附录 Appendix", "notes": "注释 Notes", "references": "参考文献 References",
    "keywords": "关键词 Keywords", "untranslated": "未翻译 Untranslated", "untitled": "无标题",
    "contents": "目录", "show": "显示", "both": "对照", "original": "原文", "translation": "译文",
    "as_printed": "原文图像 as printed",
    "no_latex": "公式原样显示：未能得到经核对的 LaTeX",
}  # fmt: skip


def labels_for(lang: str) -> dict[str, str]:
    return CHINESE if base(lang) == "zh" else ENGLISH
