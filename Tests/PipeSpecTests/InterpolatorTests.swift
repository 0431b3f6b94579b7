import XCTest
@testable import PipeSpec

final class InterpolatorTests: XCTestCase {
    private let params: JSONValue = .object([
        "lr": .number(0.001), "name": .string("dn"), "sizes": .array([.number(224), .number(299)]),
        "opt": .object(["name": .string("adam")]),
    ])

    private func resolve(_ text: String, matrix: [String: JSONValue]? = nil) throws -> JSONValue {
        try Interpolator(params: params, matrix: matrix).resolve(text)
    }

    func testWholeReferenceKeepsTheType() throws {
        XCTAssertEqual(try resolve("${params.lr}"), .number(0.001))
        XCTAssertEqual(try resolve("${ params.sizes }"), .array([.number(224), .number(299)]))
        XCTAssertEqual(try resolve("${params.opt}"), .object(["name": .string("adam")]))
        XCTAssertEqual(try resolve("${params.sizes.1}"), .number(299))
        XCTAssertEqual(try resolve("${matrix.arch}", matrix: ["arch": .string("vgg19")]), .string("vgg19"))
    }

    func testReferencesInsideTextAreSplicedAsText() throws {
        XCTAssertEqual(try resolve("run-${params.name}-${params.lr}"), .string("run-dn-0.001"))
        XCTAssertEqual(try resolve("size ${params.sizes.0}px"), .string("size 224px"))
        XCTAssertEqual(try resolve("cost $5 and $${params.lr}"), .string("cost $5 and ${params.lr}"))
    }

    func testFailuresSayWhatDoesNotResolve() {
        let cases: [(String, String)] = [
            ("${params.rl}", "`${params.rl}` does not resolve: `params` has no key `rl` (did you mean `lr`?)"),
            ("${params.sizes.2}", "`${params.sizes.2}` does not resolve: `params.sizes` is a list of 2; `2` is not an index in it"),
            ("${params.lr.x}", "`${params.lr.x}` does not resolve: `params.lr` is number 0.001, not a mapping"),
            ("${matrix.arch}", "`${matrix.arch}` refers to a matrix, but this stage has no `matrix`"),
            ("${env.HOME}", "`${env.HOME}` does not resolve: unknown namespace `env`; use `params` or `matrix`"),
            ("a ${params.opt}", "`${params.opt}` is a list or mapping and cannot be spliced into text; make it the whole value"),
            ("${params.lr", "`${` without a closing `}` in \"${params.lr\""),
            ("${}", "`${}` is not a reference; write `${params.NAME}` or `${matrix.AXIS}`"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try resolve(text), text) { error in
                XCTAssertEqual((error as? Interpolator.Failure)?.message, message)
            }
        }
    }
}
