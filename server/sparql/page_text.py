"""The query page's interface text in English, simplified and traditional Chinese.

One table, key → {language: text}; :func:`texts` picks a language (``?lang=``, then
Accept-Language, as every page does). The template reads it, and the page hands the keys the
editor needs (snippet tabs, share link, completion hints) to ``static/sparql/editor.js``.
``{n}``-style slots are filled by whoever shows the text.
"""

from __future__ import annotations

from server.render.languages import LANGUAGES

MESSAGES: dict[str, dict[str, str]] = {
    "title": {"en": "SPARQL 1.1 query", "zh-Hans": "SPARQL 1.1 查询", "zh-Hant": "SPARQL 1.1 查詢"},
    "query": {"en": "Query", "zh-Hans": "查询", "zh-Hant": "查詢"},
    "format": {"en": "Answer as", "zh-Hans": "结果格式", "zh-Hant": "結果格式"},
    "run": {"en": "Run query", "zh-Hans": "运行查询", "zh-Hant": "執行查詢"},
    "format-html": {"en": "HTML table", "zh-Hans": "HTML 表格", "zh-Hant": "HTML 表格"},
    "format-graph": {
        "en": "(CONSTRUCT/DESCRIBE)",
        "zh-Hans": "（CONSTRUCT/DESCRIBE）",
        "zh-Hant": "（CONSTRUCT/DESCRIBE）",
    },
    "editor-help": {
        "en": "Completion as you type: a prefixed name (pg:Cl…) offers the ontology's classes, "
        "properties and concepts; a name in English or Chinese (China, 中国, 中國) offers the "
        "things so labelled; after PREFIX, the prefixes of this dataset. Ctrl+Space asks.",
        "zh-Hans": "输入时自动补全：前缀名（pg:Cl…）列出本体的类、属性和概念；英文或中文名称"
        "（China、中国、中國）列出带此名称的事物；PREFIX 之后列出本数据集的前缀。按 Ctrl+空格 "
        "可主动调出。",
        "zh-Hant": "輸入時自動完成：前綴名（pg:Cl…）列出本體的類、屬性與概念；英文或中文名稱"
        "（China、中国、中國）列出帶此名稱的事物；PREFIX 之後列出本資料集的前綴。按 Ctrl+空白鍵 "
        "可主動叫出。",
    },
    "share": {"en": "Share", "zh-Hans": "分享", "zh-Hant": "分享"},
    "share-label": {
        "en": "Link to this query, its format and language",
        "zh-Hans": "指向本查询、格式与语言的链接",
        "zh-Hant": "指向本查詢、格式與語言的連結",
    },
    "share-help": {
        "en": "Opens this page with the query in the editor and the format selected; it does not "
        "run the query.",
        "zh-Hans": "打开本页面，编辑器中载入该查询并选好格式；不会运行查询。",
        "zh-Hant": "開啟本頁面，編輯器中載入該查詢並選好格式；不會執行查詢。",
    },
    "share-open": {"en": "Open", "zh-Hans": "打开", "zh-Hant": "開啟"},
    "share-copy": {"en": "Copy link", "zh-Hans": "复制链接", "zh-Hant": "複製連結"},
    "copied": {"en": "Copied", "zh-Hans": "已复制", "zh-Hant": "已複製"},
    "share-length": {
        "en": "{n} characters",
        "zh-Hans": "共 {n} 个字符",
        "zh-Hant": "共 {n} 個字元",
    },
    "share-long": {
        "en": "This link is longer than 8,000 characters: some servers and proxies refuse "
        "links that long. Save the query as a file to be sure.",
        "zh-Hans": "此链接超过 8,000 个字符，部分服务器和代理会拒绝这么长的链接。稳妥起见，"
        "请将查询保存为文件。",
        "zh-Hant": "此連結超過 8,000 個字元，部分伺服器與代理會拒絕這麼長的連結。穩妥起見，"
        "請將查詢儲存為檔案。",
    },
    "share-too-long": {
        "en": "This query is longer than the {n} bytes this endpoint accepts, so it has no "
        "share link. Save it as a file.",
        "zh-Hans": "此查询超过本端点接受的 {n} 字节上限，因此没有分享链接。请将其保存为文件。",
        "zh-Hant": "此查詢超過本端點接受的 {n} 位元組上限，因此沒有分享連結。請將其儲存為檔案。",
    },
    "save-query": {
        "en": "Save query (.rq)",
        "zh-Hans": "保存查询（.rq）",
        "zh-Hant": "儲存查詢（.rq）",
    },
    "code": {"en": "Code for this query", "zh-Hans": "本查询的代码", "zh-Hant": "本查詢的程式碼"},
    "code-help": {
        "en": "Each snippet runs the query above against this endpoint in the chosen format "
        "({format}).",
        "zh-Hans": "每段代码都会在本端点上运行上方的查询，并请求所选格式（{format}）。",
        "zh-Hant": "每段程式碼都會在本端點上執行上方的查詢，並請求所選格式（{format}）。",
    },
    "code-tables": {
        "en": "pandas and R read the results as CSV: values without datatypes or language tags.",
        "zh-Hans": "pandas 和 R 以 CSV 读取结果：值不带数据类型和语言标签。",
        "zh-Hant": "pandas 與 R 以 CSV 讀取結果：值不帶資料型別與語言標籤。",
    },
    "code-not-table": {
        "en": "pandas and R read tables, the answers of SELECT queries; this query is {form}.",
        "zh-Hans": "pandas 和 R 读取表格，即 SELECT 查询的结果；本查询为 {form}。",
        "zh-Hant": "pandas 與 R 讀取表格，即 SELECT 查詢的結果；本查詢為 {form}。",
    },
    "code-r-sparql": {
        "en": "The SPARQL package (CRAN; Debian r-cran-sparql) asks for SPARQL XML, read as UTF-8; "
        "values come back written as in Turtle: IRIs in angle brackets, literals quoted with "
        "their language tags.",
        "zh-Hans": "SPARQL 包（CRAN；Debian 软件包 r-cran-sparql）请求 SPARQL XML，按 UTF-8 读取；"
        "返回的值采用 Turtle 写法：IRI 带尖括号，字面量带引号及语言标签。",
        "zh-Hant": "SPARQL 套件（CRAN；Debian 套件 r-cran-sparql）請求 SPARQL XML，按 UTF-8 讀取；"
        "傳回的值採用 Turtle 寫法：IRI 帶尖括號，字面值帶引號及語言標籤。",
    },
    "code-javascript": {
        "en": "Runs in a browser console, or in Node 18+ as an ES module (save it as query.mjs).",
        "zh-Hans": "可在浏览器控制台运行，或在 Node 18 及以上版本中作为 ES 模块运行"
        "（保存为 query.mjs）。",
        "zh-Hant": "可在瀏覽器主控台執行，或在 Node 18 以上版本中作為 ES 模組執行"
        "（儲存為 query.mjs）。",
    },
    "copy": {"en": "Copy", "zh-Hans": "复制", "zh-Hant": "複製"},
    "results": {"en": "Results", "zh-Hans": "结果", "zh-Hant": "結果"},
    "rows": {"en": "{n} rows", "zh-Hans": "{n} 行", "zh-Hant": "{n} 列"},
    "row": {"en": "1 row", "zh-Hans": "1 行", "zh-Hant": "1 列"},
    "triples": {"en": "{n} triples", "zh-Hans": "{n} 个三元组", "zh-Hant": "{n} 個三元組"},
    "triple": {"en": "1 triple", "zh-Hans": "1 个三元组", "zh-Hant": "1 個三元組"},
    "elapsed": {"en": "in {ms} ms", "zh-Hans": "用时 {ms} 毫秒", "zh-Hant": "耗時 {ms} 毫秒"},
    "truncated": {
        "en": "The result was cut at {n} (the limit of this endpoint): page through it with "
        "ORDER BY, LIMIT and OFFSET, or narrow the query.",
        "zh-Hans": "结果在 {n} 处被截断（本端点的上限）：请用 ORDER BY、LIMIT 和 OFFSET 分页读取，"
        "或缩小查询范围。",
        "zh-Hant": "結果在 {n} 處被截斷（本端點的上限）：請用 ORDER BY、LIMIT 與 OFFSET 分頁讀取，"
        "或縮小查詢範圍。",
    },
    "row-cap-how": {"en": "How to page", "zh-Hans": "如何分页", "zh-Hant": "如何分頁"},
    "row-cap": {
        "en": "Results cut at the limit, and how to page",
        "zh-Hans": "结果的上限与分页",
        "zh-Hant": "結果的上限與分頁",
    },
    "row-cap-text": {
        "en": "A SELECT answers at most {rows} rows, a CONSTRUCT or DESCRIBE at most {triples} "
        "triples. A longer result is cut, and says so: the header X-Policygraph-Truncated: true, "
        'a "link" to this note in the head of SPARQL JSON results, a <link> in the head of '
        "SPARQL XML results, and a notice on this page. To read all of it, fix an order and "
        "read it page by page: ORDER BY (every page must see the same order) with LIMIT {rows} "
        "OFFSET 0, then OFFSET {rows}, OFFSET 2×{rows} and so on, until a page holds fewer than "
        "{rows} rows.",
        "zh-Hans": "SELECT 最多返回 {rows} 行，CONSTRUCT 或 DESCRIBE 最多返回 {triples} 个三元组。"
        "更长的结果会被截断，并会注明：响应头 X-Policygraph-Truncated: true，"
        'SPARQL JSON 结果的 head 中有指向本说明的 "link"，SPARQL XML 结果的 head 中有 <link>，'
        "本页也会显示提示。"
        "要读取全部结果，请固定顺序逐页读取：ORDER BY（每页须按同一顺序）加 LIMIT {rows} OFFSET 0，"
        "然后 OFFSET {rows}、OFFSET 2×{rows}，依此类推，直到某页少于 {rows} 行。",
        "zh-Hant": "SELECT 最多回傳 {rows} 列，CONSTRUCT 或 DESCRIBE 最多回傳 {triples} 個三元組。"
        "更長的結果會被截斷，並會註明：回應標頭 X-Policygraph-Truncated: true，SPARQL JSON 結果的 "
        'head 中有指向本說明的 "link"，SPARQL XML 結果的 head 中有 <link>，本頁也會顯示提示。'
        "要讀取全部結果，請固定順序逐頁讀取：ORDER BY（每頁須按同一順序）加 LIMIT {rows} OFFSET 0，"
        "然後 OFFSET {rows}、OFFSET 2×{rows}，依此類推，直到某頁少於 {rows} 列。",
    },
    "permalink": {
        "en": "Link to these results",
        "zh-Hans": "本结果的链接",
        "zh-Hant": "本結果的連結",
    },
    "examples": {"en": "Example queries", "zh-Hans": "示例查询", "zh-Hant": "範例查詢"},
    # snippet tabs
    "snippet-curl": {"en": "curl", "zh-Hans": "curl", "zh-Hant": "curl"},
    "snippet-python": {
        "en": "Python (SPARQLWrapper)",
        "zh-Hans": "Python（SPARQLWrapper）",
        "zh-Hant": "Python（SPARQLWrapper）",
    },
    "snippet-pandas": {
        "en": "Python (pandas)",
        "zh-Hans": "Python（pandas）",
        "zh-Hant": "Python（pandas）",
    },
    "snippet-r": {"en": "R", "zh-Hans": "R", "zh-Hant": "R"},
    "snippet-r-sparql": {
        "en": "R (SPARQL package)",
        "zh-Hans": "R（SPARQL 包）",
        "zh-Hant": "R（SPARQL 套件）",
    },
    "snippet-javascript": {
        "en": "JavaScript (fetch)",
        "zh-Hans": "JavaScript（fetch）",
        "zh-Hant": "JavaScript（fetch）",
    },
    # completion hints
    "kind-class": {"en": "class", "zh-Hans": "类", "zh-Hant": "類"},
    "kind-property": {"en": "property", "zh-Hans": "属性", "zh-Hant": "屬性"},
    "kind-concept": {"en": "concept", "zh-Hans": "概念", "zh-Hant": "概念"},
    "kind-scheme": {"en": "concept scheme", "zh-Hans": "概念体系", "zh-Hant": "概念體系"},
    "kind-prefix": {"en": "prefix", "zh-Hans": "前缀", "zh-Hant": "前綴"},
    "kind-actor": {"en": "actor", "zh-Hans": "行为体", "zh-Hant": "行為體"},
    "kind-place": {"en": "place", "zh-Hans": "地点", "zh-Hant": "地點"},
    "kind-agent": {"en": "agent", "zh-Hans": "主体", "zh-Hant": "主體"},
    "kind-event": {"en": "event", "zh-Hans": "事件", "zh-Hant": "事件"},
    "kind-dispute": {"en": "dispute", "zh-Hans": "争端", "zh-Hant": "爭端"},
    "kind-claim": {"en": "claim", "zh-Hans": "主张", "zh-Hant": "主張"},
    "kind-relation": {"en": "relation", "zh-Hans": "关系", "zh-Hant": "關係"},
    "kind-document": {"en": "document", "zh-Hans": "文献", "zh-Hant": "文獻"},
    "uses": {"en": "{n} uses", "zh-Hans": "使用 {n} 次", "zh-Hant": "使用 {n} 次"},
    "no-completion": {
        "en": "Nothing here matches",
        "zh-Hans": "没有匹配项",
        "zh-Hant": "沒有相符項目",
    },
}


def texts(lang: str) -> dict[str, str]:
    """Every message in ``lang`` (one of :data:`server.labels.LANGUAGES`)."""
    return {key: by_language[lang] for key, by_language in MESSAGES.items()}


def check() -> list[str]:
    """Messages missing a language (a test keeps this empty)."""
    return [
        f"{key}: {code}"
        for key, found in MESSAGES.items()
        for code in LANGUAGES
        if code not in found
    ]
