import PipeBase
import XCTest
@testable import CNN

/// Deterministic random arrays for tests.
struct TestRandom {
    var generator: SeededRandom

    init(seed: UInt64) { generator = SeededRandom(seed: seed) }

    /// Uniform values in `[-scale, scale)`.
    mutating func array(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in (generator.nextUniform() * 2 - 1) * scale }
    }

    /// Uniform values whose magnitude is at least `gap`, so kinks at zero (ReLU) are not straddled.
    mutating func awayFromZero(_ count: Int, gap: Float = 0.1) -> [Float] {
        (0..<count).map { _ in
            let value = generator.nextUniform() * (1 - gap) + gap
            return generator.nextUniform() < 0.5 ? -value : value
        }
    }

    /// Distinct shuffled values, so max-pool winners are unambiguous.
    mutating func distinct(_ count: Int) -> [Float] {
        var values = (0..<count).map { Float($0) * 0.37 - Float(count) * 0.18 }
        values.shuffle(using: &generator)
        return values
    }
}

/// `Σ output[i] * projection[i]` in Double: a scalar loss whose gradient with respect to `output` is `projection`.
func projectedLoss(_ output: [Float], _ projection: [Float]) -> Double {
    zip(output, projection).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Checks `analytic` against central finite differences of `loss` around `point`.
///
/// At most `maxChecks` coordinates, spread evenly, are probed to keep debug-build tests fast.
func assertGradient(_ name: String, at point: [Float], analytic: [Float], maxChecks: Int = 48,
                    step: Float = 1e-2, tolerance: Double = 1e-2,
                    file: StaticString = #filePath, line: UInt = #line, loss: ([Float]) -> Double) {
    XCTAssertEqual(point.count, analytic.count, "\(name): gradient size", file: file, line: line)
    let stride = max(1, point.count / maxChecks)
    var worst = 0.0
    for index in Swift.stride(from: 0, to: point.count, by: stride) {
        var plus = point, minus = point
        plus[index] += step
        minus[index] -= step
        let numeric = (loss(plus) - loss(minus)) / Double(2 * step)
        let error = abs(numeric - Double(analytic[index])) / max(1, abs(numeric))
        worst = max(worst, error)
        if error > tolerance {
            XCTFail("\(name)[\(index)]: analytic \(analytic[index]) vs numeric \(numeric)", file: file, line: line)
            return
        }
    }
    _ = worst
}

/// Asserts two arrays agree elementwise within `relative` of each expected value.
///
/// Values far below the array's largest magnitude are compared against 1% of it instead, so
/// cancellations near zero do not produce meaningless relative errors.
func assertClose(_ actual: [Float], _ expected: [Float], relative: Float = 1e-4, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): count", file: file, line: line)
    let scale = max(expected.map { abs($0) }.max() ?? 0, 1e-6)
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        let error = abs(a - e) / max(abs(e), scale * 1e-2, 1e-6)
        if error > relative {
            XCTFail("\(message)[\(index)]: \(a) vs expected \(e)", file: file, line: line)
            return
        }
    }
}

extension Array where Element == Float {
    /// Runs `body` with a pointer to a copy-on-write-safe mutable buffer.
    func withPointer<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension SeededRandom {
    /// `count` uniform values in `[-1, 1)`.
    func map(count: Int) -> [Float] {
        var copy = self
        return (0..<count).map { _ in copy.nextUniform() * 2 - 1 }
    }
}
