import Foundation

/// Finds file-level circles inside one module folder: file A names a top-level declaration of file B and B
/// names one of A. A scan of the text, not a compiler: it strips comments and string text (keeping `\(...)`),
/// takes declarations at brace depth 0 (and `X.member` for members of `extension X` blocks), and counts a
/// name as used when it appears as an identifier not preceded by `.`.
struct FileCircles {
    struct SourceFile {
        let path: String
        var declared: Set<String> = []
        var used: Set<String> = []
    }

    /// Two files that name each other, and the names each takes from the other.
    struct Circle: CustomStringConvertible {
        let first: String, second: String
        let firstUses: [String], secondUses: [String]
        var pair: String { "\(first) <-> \(second)" }
        var description: String {
            "\(pair): \(first) uses \(firstUses.joined(separator: ", ")); \(second) uses \(secondUses.joined(separator: ", "))"
        }
    }

    let files: [SourceFile]

    init(sources: [(path: String, text: String)]) {
        files = sources.map { Self.scan($0.path, $0.text) }
    }

    /// The Swift files below `folder`, with paths relative to it.
    init(folder: URL) throws {
        let paths = (FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".swift") }.sorted()
        self.init(sources: try paths.map { ($0, try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) })
    }

    /// Each pair of files that name each other, with the names each uses from the other.
    func circles() -> [Circle] {
        var owner: [String: [Int]] = [:]
        for (index, file) in files.enumerated() { for name in file.declared { owner[name, default: []].append(index) } }
        func names(_ a: Int, from b: Int) -> [String] {
            files[a].used.filter { !files[a].declared.contains($0) && owner[$0]?.contains(b) == true }.sorted()
        }
        var found: [Circle] = []
        for a in files.indices {
            for b in files.indices where a < b {
                let ab = names(a, from: b), ba = names(b, from: a)
                if !ab.isEmpty && !ba.isEmpty { found.append(Circle(first: files[a].path, second: files[b].path, firstUses: ab, secondUses: ba)) }
            }
        }
        return found
    }

    static func scan(_ path: String, _ text: String) -> SourceFile {
        var file = SourceFile(path: path)
        let code = codeOnly(text)
        // Top-level declarations and the members of top-level extensions.
        var depth = 0
        var extensionOf: String? = nil
        let declaration = try! NSRegularExpression(pattern: #"\b(struct|class|enum|protocol|actor|typealias|func|let|var|case|init)\s+([A-Za-z_][A-Za-z0-9_]*)?"#)
        let extensionPattern = try! NSRegularExpression(pattern: #"^\s*(?:(?:public|internal|private|fileprivate)\s+)?extension\s+([A-Za-z_][A-Za-z0-9_.]*)"#)
        for line in code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let range = NSRange(line.startIndex..., in: line)
            if depth == 0, let match = extensionPattern.firstMatch(in: line, range: range) {
                extensionOf = String(line[Range(match.range(at: 1), in: line)!].split(separator: ".").first!)
                file.used.insert(extensionOf!)
            }
            if depth == 0, let match = declaration.firstMatch(in: line, range: range),
               let name = Range(match.range(at: 2), in: line), !["case", "init"].contains(line[Range(match.range(at: 1), in: line)!]) {
                file.declared.insert(String(line[name]))
            } else if depth == 1, let type = extensionOf, let match = declaration.firstMatch(in: line, range: range),
                      let name = Range(match.range(at: 2), in: line) {
                file.declared.insert(type + "." + line[name])
            }
            for character in line {
                if character == "{" { depth += 1 }
                if character == "}" { depth -= 1; if depth == 0 { extensionOf = nil } }
            }
        }
        // Uses: identifiers not after a dot, and `Type.member` pairs.
        let identifier = try! NSRegularExpression(pattern: #"(?<![.A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?"#)
        for match in identifier.matches(in: code, range: NSRange(code.startIndex..., in: code)) {
            let head = String(code[Range(match.range(at: 1), in: code)!])
            file.used.insert(head)
            if let member = Range(match.range(at: 2), in: code) { file.used.insert(head + "." + code[member]) }
        }
        return file
    }

    /// `text` without comments and string contents; interpolated code stays.
    static func codeOnly(_ text: String) -> String {
        var out = "", chars = Array(text), i = 0
        var interpolations: [Int] = [] // paren depth inside each open interpolation
        var inString = false, multiline = false
        func at(_ offset: Int) -> Character? { i + offset < chars.count ? chars[i + offset] : nil }
        while i < chars.count {
            let c = chars[i]
            if inString {
                if c == "\\", at(1) == "(" { interpolations.append(0); inString = false; out += " "; i += 2; continue }
                if c == "\\" { i += 2; continue }
                if multiline, c == "\"", at(1) == "\"", at(2) == "\"" { inString = false; out += "\"\""; i += 3; continue }
                if !multiline, c == "\"" { inString = false; out += "\""; i += 1; continue }
                if c == "\n" { out += "\n" }
                i += 1; continue
            }
            if c == "/", at(1) == "/" { while i < chars.count, chars[i] != "\n" { i += 1 }; continue }
            if c == "/", at(1) == "*" {
                i += 2
                while i < chars.count, !(chars[i] == "*" && at(1) == "/") { if chars[i] == "\n" { out += "\n" }; i += 1 }
                i += 2; continue
            }
            if c == "\"" {
                multiline = at(1) == "\"" && at(2) == "\""
                inString = true; out += "\""; i += multiline ? 3 : 1; continue
            }
            if !interpolations.isEmpty {
                if c == "(" { interpolations[interpolations.count - 1] += 1 }
                if c == ")" {
                    if interpolations.last == 0 { interpolations.removeLast(); inString = true; out += " "; i += 1; continue }
                    interpolations[interpolations.count - 1] -= 1
                }
            }
            out.append(c); i += 1
        }
        return out
    }
}
