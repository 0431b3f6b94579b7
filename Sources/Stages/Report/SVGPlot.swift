import Foundation

/// A small line plot drawn as inline SVG: axes with ticks, one polyline per series, a legend.
public struct SVGPlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Draw as steps (ROC and precision-recall curves) rather than straight segments.
        public var steps: Bool

        public init(name: String, points: [(x: Double, y: Double)], steps: Bool = false) {
            self.name = name
            self.points = points
            self.steps = steps
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed axis ranges (e.g. 0...1 for ROC); nil to fit the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// A dashed reference line from (x0, y0) to (x1, y1), such as the ROC chance diagonal.
    public var reference: (Double, Double, Double, Double)?
    /// An x value to mark with a dashed vertical line and a dot on each series, such as the best epoch.
    public var marker: Double?
    /// Ticks only at whole numbers on the x axis (epochs).
    public var wholeXTicks = false

    static let palette = ["#1f6feb", "#d73a49", "#2da44e", "#bf8700", "#8250df", "#0a7f8c", "#cf222e", "#57606a"]
    static let width = 420.0, height = 300.0
    static let right = 12.0, top = 28.0, bottom = 42.0
    /// The width the 11 px labels take per character, generously: what layout reserves for text.
    static let characterWidth = 6.6

    public init(title: String, xLabel: String, yLabel: String, series: [Series],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                reference: (Double, Double, Double, Double)? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.reference = reference
    }

    /// The `<svg>` element.
    public func render() -> String {
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xs = xRange ?? Self.fit(all.map(\.x))
        let ys = yRange ?? Self.fit(all.map(\.y))
        let yTicks = Self.ticks(ys), xTicks = Self.ticks(xs).filter { !wholeXTicks || $0.rounded() == $0 }
        // The y axis title sits in the first 18 px; the tick labels end 6 px left of the axis.
        let left = max(44, 18 + 8 + Self.characterWidth * Double(yTicks.map { Self.label($0).count }.max() ?? 1))
        let plotWidth = Self.width - left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func px(_ x: Double) -> Double { left + (x - xs.lowerBound) / (xs.upperBound - xs.lowerBound) * plotWidth }
        func py(_ y: Double) -> Double { Self.top + plotHeight - (y - ys.lowerBound) / (ys.upperBound - ys.lowerBound) * plotHeight }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<text x=\"\(f(left))\" y=\"16\" class=\"t\">\(HTML.escape(title))</text>"
        svg += "<rect x=\"\(f(left))\" y=\"\(Self.top)\" width=\"\(f(plotWidth))\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#d0d7de\"/>"
        for tick in xTicks {
            svg += "<line x1=\"\(f(px(tick)))\" y1=\"\(f(Self.top + plotHeight))\" x2=\"\(f(px(tick)))\" y2=\"\(f(Self.top + plotHeight + 4))\" stroke=\"#57606a\"/>"
            svg += "<text x=\"\(f(px(tick)))\" y=\"\(f(Self.top + plotHeight + 16))\" text-anchor=\"middle\">\(Self.label(tick))</text>"
        }
        for tick in yTicks {
            svg += "<line x1=\"\(f(left - 4))\" y1=\"\(f(py(tick)))\" x2=\"\(f(left))\" y2=\"\(f(py(tick)))\" stroke=\"#57606a\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>"
        }
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(Self.height - 6))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg += "<text transform=\"translate(12 \(f(Self.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>"
        if let (x0, y0, x1, y1) = reference {
            svg += "<line x1=\"\(f(px(x0)))\" y1=\"\(f(py(y0)))\" x2=\"\(f(px(x1)))\" y2=\"\(f(py(y1)))\" stroke=\"#8c959f\" stroke-dasharray=\"4 3\"/>"
        }
        if let marker, xs.contains(marker) {
            svg += "<line class=\"marker\" data-x=\"\(Self.label(marker))\" x1=\"\(f(px(marker)))\" y1=\"\(f(Self.top))\" x2=\"\(f(px(marker)))\" "
                + "y2=\"\(f(Self.top + plotHeight))\" stroke=\"#57606a\" stroke-dasharray=\"2 3\"/>"
        }
        // The legend sits in the plot's top right corner, as wide as its longest name.
        let legendWidth = 14 + Self.characterWidth * Double(series.map(\.name.count).max() ?? 0)
        let legendX = max(left + 4, left + plotWidth - 6 - legendWidth)
        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            var coordinates: [String] = []
            var previous: (x: Double, y: Double)?
            for point in line.points where point.x.isFinite && point.y.isFinite {
                if line.steps, let previous { coordinates.append("\(f(px(point.x))),\(f(py(previous.y)))") }
                coordinates.append("\(f(px(point.x))),\(f(py(point.y)))")
                previous = point
            }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"\(coordinates.joined(separator: " "))\"/>"
            if let marker, let point = line.points.first(where: { $0.x == marker && $0.y.isFinite }) {
                svg += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3.5\" fill=\"\(color)\"/>"
            }
            let legendY = Self.top + 14 + Double(index) * 14
            svg += "<rect x=\"\(f(legendX))\" y=\"\(f(legendY - 8))\" width=\"10\" height=\"3\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(f(legendX + 14))\" y=\"\(f(legendY - 3))\">\(HTML.escape(line.name))</text>"
        }
        return svg + "</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The data's range, widened a little (and to a unit width when flat).
    static func fit(_ values: [Double]) -> ClosedRange<Double> {
        guard let low = values.min(), let high = values.max() else { return 0...1 }
        if low == high {
            let pad = low == 0 ? 0.5 : abs(low) * 0.5
            return (low - pad)...(high + pad)
        }
        let pad = (high - low) * 0.05
        return (low - pad)...(high + pad)
    }

    /// About five round tick values inside `range`.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var tick = ceil(range.lowerBound / step) * step
        var result: [Double] = []
        while tick <= range.upperBound + step * 1e-9 {
            result.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return result
    }

    static func label(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e6 ? String(Int(value)) : String(format: "%g", value)
    }
}
