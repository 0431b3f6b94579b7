/// Builds pieces of the self-contained report page.
public enum HTML {
    /// Escapes text for HTML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A table with a header row; cells are escaped.
    public static func table(header: [String], rows: [[String]], caption: String? = nil) -> String {
        var out = "<table>"
        if let caption { out += "<caption>\(escape(caption))</caption>" }
        out += "<tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for row in rows { out += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }
        return out + "</table>"
    }

    /// A confusion matrix with rows as true classes and columns as predictions, shaded by count.
    public static func confusionMatrix(_ counts: [[Int]], classes: [String]) -> String {
        let largest = max(1, counts.joined().max() ?? 1)
        var out = "<table class=\"cm\"><tr><th>true \\ predicted</th>" + classes.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for (row, name) in zip(counts, classes) {
            out += "<tr><th>\(escape(name))</th>"
            for count in row {
                let shade = 0.08 + 0.6 * Double(count) / Double(largest)
                out += "<td style=\"background:rgba(31,111,235,\(String(format: "%.2f", shade)))\">\(count)</td>"
            }
            out += "</tr>"
        }
        return out + "</table>"
    }
}
