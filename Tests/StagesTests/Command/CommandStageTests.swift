import XCTest
@testable import Stages

final class CommandStageTests: XCTestCase {
    func testInputVariableNames() {
        XCTAssertEqual(CommandStage.inputVariable("prep"), "PIPE_IN_PREP")
        XCTAssertEqual(CommandStage.inputVariable("train@vgg19-0.001"), "PIPE_IN_TRAIN_VGG19_0_001")
        XCTAssertEqual(CommandStage.inputVariable("import-weights"), "PIPE_IN_IMPORT_WEIGHTS")
    }

    func testEveryKindHasAVersionAndItsName() {
        for (name, kind) in StageCatalog.kinds {
            XCTAssertEqual(kind.name, name)
            XCTAssertGreaterThanOrEqual(kind.version, 1)
        }
    }
}
