"""The research pages' interface text (timeline, network, stance matrix) in English, simplified
and traditional Chinese.

One table, key → {language: text}, as the query page's (:mod:`server.sparql.page_text`); the
templates read it, and the pages hand it to their scripts. ``{n}`` slots are filled by whoever
shows the text. The data's own labels come from the label index, never from here.
"""

from __future__ import annotations

from server.render.languages import LANGUAGES


def _m(en: str, hans: str, hant: str) -> dict[str, str]:
    return {"en": en, "zh-Hans": hans, "zh-Hant": hant}


MESSAGES: dict[str, dict[str, str]] = {
    # shared
    "research": _m("Research views", "研究视图", "研究檢視"),
    "filters": _m("Filter", "筛选", "篩選"),
    "apply": _m("Apply", "应用", "套用"),
    "reset": _m("Clear filters", "清除筛选", "清除篩選"),
    "any": _m("(any)", "（不限）", "（不限）"),
    "data": _m("The data of this page", "本页数据", "本頁資料"),
    "items": _m("{n} shown", "显示 {n} 项", "顯示 {n} 項"),
    "nothing": _m(
        "Nothing matches these filters.", "没有符合筛选条件的内容。", "沒有符合篩選條件的內容。"
    ),
    "no-script": _m(
        "The table below is the whole page without JavaScript; with it, the chart draws the same.",
        "下表即为无 JavaScript 时的完整页面；启用 JavaScript 时，图表呈现相同内容。",
        "下表即為無 JavaScript 時的完整頁面；啟用 JavaScript 時，圖表呈現相同內容。",
    ),
    "facet-actor": _m("Actor", "行为体", "行為體"),
    "facet-dispute": _m("Dispute", "争端", "爭端"),
    "facet-kind": _m("Kind", "类别", "類別"),
    "facet-type": _m("Event type", "事件类型", "事件類型"),
    "facet-stance": _m("Stance", "立场", "立場"),
    "facet-modality": _m("Modality", "情态", "情態"),
    "facet-status": _m("Status", "状态", "狀態"),
    "kind-event": _m("Event", "事件", "事件"),
    "kind-claim": _m("Claim", "主张", "主張"),
    # timeline
    "timeline": _m("Timeline", "时间线", "時間軸"),
    "timeline-intro": _m(
        "Every event and claim of the data in time, at the precision the source gives and no "
        "finer: a point is a day, a bar a month or a year as given, or the bounds the source "
        "allows. An open edge means the source gives no earliest (or latest) time. A hatched "
        "item is an inferred placement: the table names the words it rests on.",
        "数据中的每个事件和主张按时间排列，精度以来源所给为限：点表示某一天，条表示来源给出的"
        "月份或年份，或来源允许的时间范围。开放的边缘表示来源未给出最早（或最晚）时间。带斜纹的"
        "条目为推断的定位，表格列出其依据的原文字词。",
        "資料中的每個事件和主張按時間排列，精度以來源所給為限：點表示某一天，條表示來源給出的"
        "月份或年份，或來源允許的時間範圍。開放的邊緣表示來源未給出最早（或最晚）時間。帶斜紋的"
        "條目為推斷的定位，表格列出其依據的原文字詞。",
    ),
    "clock": _m("Claims placed by", "主张的时间依据", "主張的時間依據"),
    "clock-said": _m("when they were made", "提出的时间", "提出的時間"),
    "clock-about": _m(
        "when what they are about happened", "所涉事件发生的时间", "所涉事件發生的時間"
    ),
    "not-on-clock": _m(
        "{n} claims name no event, so they have no place on this clock; they are listed last.",
        "{n} 项主张未涉及任何事件，因此在此时间依据下无法定位，列于表末。",
        "{n} 項主張未涉及任何事件，因此在此時間依據下無法定位，列於表末。",
    ),
    "unplaced": _m(
        "{n} items have no place in time in the data; they are listed last.",
        "{n} 项在数据中没有时间定位，列于表末。",
        "{n} 項在資料中沒有時間定位，列於表末。",
    ),
    "col-from": _m("From", "起", "起"),
    "col-to": _m("To", "止", "止"),
    "col-given": _m("As given", "原始时间", "原始時間"),
    "col-inferred": _m("Inferred from the words", "推断依据", "推斷依據"),
    "col-what": _m("What", "内容", "內容"),
    "col-who": _m("Who", "相关方", "相關方"),
    "col-type": _m("Type or stance", "类型或立场", "類型或立場"),
    "col-modality": _m("Modality or status", "情态或状态", "情態或狀態"),
    "col-about": _m("What it is about happened", "所涉事件时间", "所涉事件時間"),
    "open": _m("not given", "未给出", "未給出"),
    "legend-point": _m("a day", "某一天", "某一天"),
    "legend-period": _m("a month or year", "某月或某年", "某月或某年"),
    "legend-bounds": _m("between bounds", "时间范围", "時間範圍"),
    "legend-inferred": _m("inferred", "推断", "推斷"),
    "legend-open": _m("no earliest time given", "未给出最早时间", "未給出最早時間"),
    "zoom-all": _m("Whole span", "全部时段", "全部時段"),
    "zoom-recent": _m("Last months", "最近几个月", "最近幾個月"),
    "group-event": _m("Events", "事件", "事件"),
    "group-claim": _m("Claims", "主张", "主張"),
    # stance matrix
    "stances": _m("Stance matrix", "立场矩阵", "立場矩陣"),
    "stances-intro": _m(
        "Who takes which stance: each cell lists the claims of an actor, each linked to the "
        "claim and its evidence, with its stance (what the actor does) and, where it is not "
        "plainly asserted, its modality (how firmly the source commits to it).",
        "谁持何种立场：每个单元格列出某一行为体的主张，每项均链接到该主张及其原文证据，并标出其"
        "立场（行为体所做之事），以及并非直接断言时的情态（来源对其的确定程度）。",
        "誰持何種立場：每個儲存格列出某一行為體的主張，每項均連結到該主張及其原文證據，並標出其"
        "立場（行為體所做之事），以及並非直接斷言時的情態（來源對其的確定程度）。",
    ),
    "matrix": _m("Matrix", "矩阵", "矩陣"),
    "matrix-dispute": _m("Actor × dispute", "行为体 × 争端", "行為體 × 爭端"),
    "matrix-proposition": _m("Actor × proposition", "行为体 × 命题", "行為體 × 命題"),
    "proposition-rows": _m(
        "One row per statement (subject, predicate, object); claims stating the same share a "
        "row. Columns are the claimants.",
        "每行为一个陈述（主语、谓语、宾语），陈述相同的主张共用一行。各列为主张方。",
        "每列為一個陳述（主詞、述詞、受詞），陳述相同的主張共用一列。各欄為主張方。",
    ),
    "matrix-capped": _m(
        "The table shows the {rows} rows and {columns} columns with the most claims; the CSV "
        "and the JSON hold the whole matrix, and the filters narrow it.",
        "表格仅显示主张最多的 {rows} 行和 {columns} 列；CSV 和 JSON 包含完整矩阵，筛选可缩小范围。",
        "表格僅顯示主張最多的 {rows} 列和 {columns} 欄；CSV 和 JSON 包含完整矩陣，篩選可縮小範圍。",
    ),
    "proposition": _m("Statement", "陈述", "陳述"),
    "csv-wide": _m("CSV (the matrix)", "CSV（矩阵）", "CSV（矩陣）"),
    "csv-long": _m("CSV (one row per claim)", "CSV（每项主张一行）", "CSV（每項主張一列）"),
    # network
    "network": _m("Actor network", "行为体网络", "行為體網絡"),
    "network-intro": _m(
        "Actors as nodes; claims and events as edges from who speaks or acts to whom or what "
        "it concerns, coloured by stance and as thick as the number of claims. Every edge leads "
        "to its evidence.",
        "节点为行为体；边为主张和事件，由发言或行动的一方指向其所涉对象，颜色表示立场，粗细表示"
        "主张数量。每条边都链接到其原文证据。",
        "節點為行為體；邊為主張和事件，由發言或行動的一方指向其所涉對象，顏色表示立場，粗細表示"
        "主張數量。每條邊都連結到其原文證據。",
    ),
    "col-source": _m("From", "来自", "來自"),
    "col-target": _m("To", "指向", "指向"),
    "col-count": _m("Count", "数量", "數量"),
    "col-evidence": _m("Evidence", "证据", "證據"),
    # links from a resource's page
    "on-timeline": _m("On the timeline", "在时间线上", "在時間軸上"),
    "in-network": _m("In the actor network", "在行为体网络中", "在行為體網絡中"),
    "in-matrix": _m("In the stance matrix", "在立场矩阵中", "在立場矩陣中"),
}


def texts(lang: str) -> dict[str, str]:
    """Every message in ``lang`` (one of :data:`server.render.languages.LANGUAGES`)."""
    return {key: by_language[lang] for key, by_language in MESSAGES.items()}


def check() -> list[str]:
    """Messages missing a language (a test keeps this empty)."""
    return [
        f"{key}: {code}"
        for key, found in MESSAGES.items()
        for code in LANGUAGES
        if code not in found
    ]
