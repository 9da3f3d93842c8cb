"""Names of the standard parts of a paper in the languages papers are written in.

The built-in PDF reader recognises abstracts, keywords, acknowledgements, appendices and
reference lists by these names; GROBID's TEI says so itself. English first, then Spanish,
Portuguese, French, German, Italian, Russian, Chinese and Japanese.
"""

from __future__ import annotations

ABSTRACT = (
    "abstract|summary|resumen|resumo|résumé|zusammenfassung|kurzfassung|riassunto|sommario|"
    "аннотация|реферат|摘要|要旨|概要"
)
KEYWORDS = (
    "keywords|key words|index terms|palabras clave|palavras-chave|mots-clés|mots clés|"
    "schlüsselwörter|schlagwörter|parole chiave|ключевые слова|关键词|关键字|キーワード"
)
REFERENCES = (
    "references|bibliography|literature cited|works cited|referencias|referencias bibliográficas|"
    "bibliografía|referências|referências bibliográficas|références|bibliographie|literatur|"
    "literaturverzeichnis|riferimenti|riferimenti bibliografici|bibliografia|литература|"
    "список литературы|参考文献"
)
ACKNOWLEDGEMENTS = (
    "acknowledge?ments?|funding|agradecimientos|agradecimentos|remerciements|danksagung|"
    "ringraziamenti|благодарности|致谢|謝辞"
)
APPENDIX = "appendix|appendices|supplementary|apéndice|anexo|annexe|anhang|appendice|приложение|附录|付録"
KNOWN_HEADINGS = (
    "introduction|related work|background|preliminaries|method(s|ology)?|materials and methods|"
    "experiments?|experimental (setup|results)|results( and discussion)?|discussion|analysis|evaluation|"
    "conclusions?( and future work)?|limitations|ethics statement|broader impact|future work|"
    "supplementary material|data availability|author contributions|conflicts? of interest|"
    "declaration of competing interest|"
    "introducción|conclusiones|conclusión|metodología|resultados|discusión|"
    "introdução|conclusões|conclusão|metodologia|discussão|"
    "conclusion|méthodes|résultats|"
    "einleitung|einführung|fazit|schlussfolgerungen|methoden|ergebnisse|diskussion|"
    "introduzione|conclusioni|metodi|risultati|"
    "введение|заключение|выводы|методы|результаты|обсуждение|"
    "引言|绪论|结论|方法|实验|讨论|はじめに|序論|結論|考察"
)
