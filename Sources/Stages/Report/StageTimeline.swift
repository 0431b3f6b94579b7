import Foundation

/// The upstream stages as bars on one time axis, from when each started to when its result was committed.
///
/// Results reused from earlier runs are drawn when they were made, so a long gap means an older result.
public enum StageTimeline {
    static let width = 480.0, row = 20.0, top = 8.0, rightColumn = 64.0
    static let longestName = 28

    /// The `<svg>` element; empty for no stages.
    public static func render(_ stages: [ReportContent.StageRecord]) -> String {
        guard let first = stages.map(\.started).min(), let last = stages.map(\.finished).max() else { return "" }
        let span = max(last.timeIntervalSince(first), 1e-3)
        let names = stages.map { $0.name.count > longestName ? String($0.name.prefix(longestName - 1)) + "…" : $0.name }
        let labelWidth = 8 + SVGPlot.characterWidth * Double(names.map(\.count).max() ?? 1)
        let barLeft = labelWidth + 8, barWidth = width - barLeft - rightColumn
        let axisY = top + row * Double(stages.count) + 4
        let height = axisY + 40
        func x(_ date: Date) -> Double { barLeft + date.timeIntervalSince(first) / span * barWidth }
        var svg = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "role=\"img\" aria-label=\"stage timeline\">"
        for (index, stage) in stages.enumerated() {
            let y = top + row * Double(index)
            let left = x(stage.started), right = max(x(stage.finished), left + 2)
            svg += "<text x=\"\(f(labelWidth))\" y=\"\(f(y + 14))\" text-anchor=\"end\">\(HTML.escape(names[index]))</text>"
            svg += "<rect x=\"\(f(left))\" y=\"\(f(y + 4))\" width=\"\(f(right - left))\" height=\"12\" fill=\"\(SVGPlot.palette[index % SVGPlot.palette.count])\">"
                + "<title>\(HTML.escape("\(stage.name) (\(stage.kind)): \(duration(stage.seconds))"))</title></rect>"
            svg += "<text x=\"\(f(width - 4))\" y=\"\(f(y + 14))\" text-anchor=\"end\">\(duration(stage.seconds))</text>"
        }
        svg += "<line x1=\"\(f(barLeft))\" y1=\"\(f(axisY))\" x2=\"\(f(barLeft + barWidth))\" y2=\"\(f(axisY))\" stroke=\"#57606a\"/>"
        let ticks = SVGPlot.ticks(0...span)
        // Every `every`-th tick is labelled, so labels stand at least their own width (and a gap) apart.
        let widest = SVGPlot.characterWidth * Double(ticks.map { SVGPlot.label($0).count }.max() ?? 1)
        let spacing = ticks.count > 1 ? (ticks[1] - ticks[0]) / span * barWidth : .infinity
        let every = max(1, Int(((widest + 8) / spacing).rounded(.up)))
        for (index, tick) in ticks.enumerated() where index % every == 0 {
            let tickX = barLeft + tick / span * barWidth
            svg += "<line x1=\"\(f(tickX))\" y1=\"\(f(axisY))\" x2=\"\(f(tickX))\" y2=\"\(f(axisY + 4))\" stroke=\"#57606a\"/>"
            svg += "<text x=\"\(f(tickX))\" y=\"\(f(axisY + 16))\" text-anchor=\"middle\">\(SVGPlot.label(tick))</text>"
        }
        svg += "<text x=\"\(f(barLeft + barWidth / 2))\" y=\"\(f(axisY + 34))\" text-anchor=\"middle\">seconds since the first stage started</text>"
        return svg + "</svg>"
    }

    /// `0.42 s`, `12.3 s`, `14 min`.
    static func duration(_ seconds: Double) -> String {
        seconds < 10 ? String(format: "%.2f s", seconds) : seconds < 600 ? String(format: "%.1f s", seconds) : String(format: "%.0f min", seconds / 60)
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
