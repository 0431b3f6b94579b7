/// How far a running stage has come: `done` of `total` units, and what it is doing now.
public struct StageProgress: Sendable, Equatable, Codable {
    public var done: Int
    public var total: Int
    /// What is counted, e.g. `images`; empty for plain steps.
    public var unit: String
    /// Where the stage is, e.g. `epoch 2/10, batch 5/40`.
    public var detail: String
    /// The last finished epoch of a training stage, repeated in each report until the next one ends.
    public var epoch: Epoch?

    /// A finished epoch: its number, how many the stage runs, and its scores in the order to show them.
    public struct Epoch: Sendable, Equatable, Codable {
        /// A named value; one that is not finite (an AUC with one class) travels to a job's reader as `null`.
        public struct Score: Sendable, Equatable, Codable {
            public var name: String
            public var value: Double
            public init(_ name: String, _ value: Double) { self.name = name; self.value = value }

            enum CodingKeys: String, CodingKey { case name, value }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decode(String.self, forKey: .name)
                value = try container.decodeIfPresent(Double.self, forKey: .value) ?? .nan
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(name, forKey: .name)
                try container.encode(value.isFinite ? value : nil, forKey: .value)
            }
        }

        public var number: Int
        public var of: Int
        public var scores: [Score]
        public init(number: Int, of: Int, scores: [Score]) { self.number = number; self.of = of; self.scores = scores }
    }

    public init(done: Int, total: Int, unit: String = "", detail: String = "", epoch: Epoch? = nil) {
        self.done = done
        self.total = total
        self.unit = unit
        self.detail = detail
        self.epoch = epoch
    }

    /// One line for a progress bar, with the rate (units per second) and the time left when the rate is known:
    /// `epoch 2/10, batch 5/40 · 123/456 images · 37.2 images/s · ETA 0:09`.
    public func summary(rate: Double?) -> String {
        var parts = detail.isEmpty ? [] : [detail]
        parts.append("\(done)/\(total)" + (unit.isEmpty ? "" : " \(unit)"))
        if let rate, rate > 0, rate.isFinite {
            parts.append(String(format: rate < 10 ? "%.2f" : "%.1f", rate) + " " + (unit.isEmpty ? "steps" : unit) + "/s")
            if done < total { parts.append("ETA " + Self.clock(Double(total - done) / rate)) }
        }
        return parts.joined(separator: " · ")
    }

    /// `m:ss`, or `h:mm:ss` from an hour up.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
