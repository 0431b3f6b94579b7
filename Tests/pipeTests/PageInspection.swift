import Foundation

/// What a page shows in headless Chromium at one width: console errors and exceptions, every request other
/// than the page itself, figures (`svg`, `img`) that are empty or stick out of the page, and text boxes inside a
/// figure that overlap each other or leave the figure. `problems` lists them in words; empty means clean.
struct PageInspection {
    var width: Int
    var consoleErrors: [String] = []
    var requests: [String] = []
    var figures = 0
    var badFigures: [String] = []
    var overlaps: [String] = []
    var textOutside: [String] = []
    var sidewaysScroll: String?
    var screenshot: URL?

    var problems: [String] {
        consoleErrors.map { "console: \($0)" } + requests.map { "request: \($0)" } + badFigures.map { "figure: \($0)" }
            + overlaps.map { "overlap: \($0)" } + textOutside.map { "text outside its figure: \($0)" } + (sidewaysScroll.map { ["page: \($0)"] } ?? [])
    }

    /// Measures boxes in the page; returns JSON text. Text boxes count as overlapping when they share more
    /// than a pixel each way (glyph boxes of neighbouring legend rows touch).
    static let layoutScript = """
        (() => {
          const pageWidth = document.documentElement.clientWidth;
          const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height});
          const name = (e, i) => `${e.tagName.toLowerCase()} #${i} "${e.getAttribute('aria-label') || e.getAttribute('alt') || ''}"`;
          const figures = [...document.querySelectorAll('svg, img')].map((e, i) => ({name: name(e, i), box: box(e.getBoundingClientRect())}));
          const overlaps = [], outside = [];
          [...document.querySelectorAll('svg')].forEach((svg, i) => {
            const frame = svg.getBoundingClientRect();
            const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim() !== '')
              .map(t => ({text: t.textContent, r: t.getBoundingClientRect()}));
            texts.forEach(t => {
              if (t.r.left < frame.left - 1 || t.r.right > frame.right + 1 || t.r.top < frame.top - 1 || t.r.bottom > frame.bottom + 1)
                outside.push(`${name(svg, i)}: "${t.text}"`);
            });
            for (let a = 0; a < texts.length; a++) for (let b = a + 1; b < texts.length; b++) {
              const p = texts[a].r, q = texts[b].r;
              const w = Math.min(p.right, q.right) - Math.max(p.left, q.left), h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
              if (w > 1 && h > 1) overlaps.push(`${name(svg, i)}: "${texts[a].text}" and "${texts[b].text}"`);
            }
          });
          return JSON.stringify({pageWidth, scrollWidth: document.documentElement.scrollWidth, figures, overlaps, outside});
        })()
        """

    /// Opens `page` in a new tab `width` CSS pixels wide, waits for it to load, inspects it and saves a full-page
    /// screenshot as `screenshot`.
    static func inspect(_ page: URL, width: Int, in browser: HeadlessChromium, screenshot: URL) throws -> PageInspection {
        let target = try browser.call("Target.createTarget", ["url": "about:blank"])["targetId"] as? String ?? ""
        defer { _ = try? browser.call("Target.closeTarget", ["targetId": target], timeout: 5) }
        let session = try browser.call("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as? String
        for domain in ["Runtime", "Log", "Network", "Page"] { try browser.call("\(domain).enable", session: session) }
        try browser.call("Emulation.setDeviceMetricsOverride", ["width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false], session: session)
        // Without a scroll bar the page is laid out `width` wide both when measured and when captured whole (the
        // full-page capture grows the viewport, which drops the bar and would lay the page out wider than measured).
        try browser.call("Emulation.setScrollbarsHidden", ["hidden": true], session: session)
        browser.clearEvents()
        try browser.call("Page.navigate", ["url": page.absoluteString], session: session)
        _ = try browser.waitFor("Page.loadEventFired", session: session)
        var result = PageInspection(width: width)
        let measured = try browser.call("Runtime.evaluate", ["expression": layoutScript, "returnByValue": true], session: session)
        let text = (measured["result"] as? [String: Any])?["value"] as? String ?? "{}"
        let layout = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        let pageWidth = layout["pageWidth"] as? Double ?? 0
        for figure in layout["figures"] as? [[String: Any]] ?? [] {
            result.figures += 1
            let box = figure["box"] as? [String: Double] ?? [:], name = figure["name"] as? String ?? "?"
            if (box["width"] ?? 0) <= 0 || (box["height"] ?? 0) <= 0 {
                result.badFigures.append("\(name) is empty (\(box["width"] ?? 0) × \(box["height"] ?? 0))")
            } else if (box["left"] ?? 0) < -0.5 || (box["right"] ?? 0) > pageWidth + 0.5 {
                result.badFigures.append("\(name) spans \(box["left"] ?? 0)...\(box["right"] ?? 0), outside the page's \(pageWidth) px")
            }
        }
        result.overlaps = layout["overlaps"] as? [String] ?? []
        result.textOutside = layout["outside"] as? [String] ?? []
        if let scroll = layout["scrollWidth"] as? Double, scroll > pageWidth + 0.5 {
            result.sidewaysScroll = "scrolls sideways: \(scroll) px of content in \(pageWidth) px"
        }
        for event in browser.events where event.sessionID == session {
            let params = event.params
            switch event.method {
            case "Runtime.consoleAPICalled" where params["type"] as? String == "error":
                let values = (params["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "?")" }
                result.consoleErrors.append(values.joined(separator: " "))
            case "Runtime.exceptionThrown":
                let details = params["exceptionDetails"] as? [String: Any] ?? [:]
                result.consoleErrors.append("exception: \((details["exception"] as? [String: Any])?["description"] ?? details["text"] ?? "?")")
            case "Log.entryAdded":
                let entry = params["entry"] as? [String: Any] ?? [:]
                if entry["level"] as? String == "error" { result.consoleErrors.append("log: \(entry["text"] ?? "?") \(entry["url"] ?? "")") }
            case "Network.requestWillBeSent":
                let url = (params["request"] as? [String: Any])?["url"] as? String ?? "?"
                // The page itself, and the data: images written into it, which nothing fetches.
                if url != page.absoluteString && !url.hasPrefix("data:") { result.requests.append(url) }
            default:
                break
            }
        }
        let metrics = try browser.call("Page.getLayoutMetrics", session: session)
        let content = metrics["cssContentSize"] as? [String: Double] ?? [:]
        let shot = try browser.call("Page.captureScreenshot", [
            "format": "png", "captureBeyondViewport": true,
            "clip": ["x": 0, "y": 0, "width": content["width"] ?? Double(width), "height": min(content["height"] ?? 900, 16_000), "scale": 1],
        ], session: session, timeout: 30)
        if let data = (shot["data"] as? String).flatMap({ Data(base64Encoded: $0) }) {
            try data.write(to: screenshot)
            result.screenshot = screenshot
        }
        return result
    }
}
