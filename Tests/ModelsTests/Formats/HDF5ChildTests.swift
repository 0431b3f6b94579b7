import CHDF5
import Foundation
import HDF5Snapshot
import XCTest
@testable import Models

/// libhdf5 runs in a child process: whatever it does on a file, pipe gets an error, never a signal.
final class HDF5ChildTests: XCTestCase {
    private static let fuzz = ModelsFixture.directory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    private func message(_ body: () throws -> Void) -> String {
        ModelsFixture.errorText(body) ?? "no error"
    }

    func testAChildKilledByASignalIsAnErrorNamingTheFileAndTheSignal() {
        let path = ModelsFixture.path("keras_densenet_tiny.hdf5")
        XCTAssertEqual(message { try HDF5File.read(path: path, timeLimit: 60, fault: .segmentationFault) { _ in } },
                       "cannot read weights '\(path)': the HDF5 library failed on this file (killed by signal 11, "
                       + "Segmentation fault); the file is damaged or not an HDF5 weights file")
    }

    func testAChildOverItsTimeLimitIsStoppedAndReported() {
        let path = ModelsFixture.path("keras_densenet_tiny.hdf5")
        let start = Date()
        XCTAssertEqual(message { try HDF5File.read(path: path, timeLimit: 1, fault: .hang) { _ in } },
                       "cannot read weights '\(path)': the HDF5 library did not finish reading this file within 1 s; "
                       + "the file is damaged or not an HDF5 weights file")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testEveryEndingOfTheChildHasAClearReason() {
        let failure = { (ending: Int, code: Int32) in HDF5File.failure(ending: Int32(ending), code: code, snapshotLimit: 100) }
        XCTAssertNil(failure(HDF5_SNAPSHOT_EXITED, 0))
        XCTAssertEqual(failure(HDF5_SNAPSHOT_EXITED, Int32(HDF5_SNAPSHOT_UNOPENABLE)), "not a readable HDF5 file")
        XCTAssertEqual(failure(HDF5_SNAPSHOT_EXITED, Int32(HDF5_SNAPSHOT_SANITIZER)),
                       "the HDF5 library failed on this file (a memory error, caught by the address sanitizer); the file is damaged or not an HDF5 weights file")
        XCTAssertEqual(failure(HDF5_SNAPSHOT_EXITED, 7),
                       "the HDF5 library failed on this file (its process exited with status 7); the file is damaged or not an HDF5 weights file")
        XCTAssertEqual(failure(HDF5_SNAPSHOT_SIGNALLED, SIGABRT),
                       "the HDF5 library failed on this file (killed by signal 6, Aborted); the file is damaged or not an HDF5 weights file")
        XCTAssertEqual(failure(HDF5_SNAPSHOT_TOO_LARGE, 0), "its contents expand to more than 100 bytes, more than the file can hold")
        XCTAssertEqual(failure(HDF5_SNAPSHOT_NOT_STARTED, EAGAIN), "cannot start the HDF5 reader process (Resource temporarily unavailable)")
    }

    func testTheFuzzFindingsInsideLibhdf5AreErrorsNotCrashes() throws {
        let corpus = Self.fuzz.appendingPathComponent("corpus/keras")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasPrefix("regression-") }
        XCTAssertTrue(inputs.contains("regression-libhdf5-attribute-overflow.hdf5"), "\(inputs)")
        for input in inputs {
            let path = corpus.appendingPathComponent(input).path
            do {
                _ = try WeightLoader.inspect(path: path)
            } catch let error as ModelError {
                XCTAssertTrue("\(error)".hasPrefix("cannot read weights '\(path)': "), "\(error)")
            }
        }
        // Under AddressSanitizer (make fuzz) the child dies reading past a buffer; a normal build reads on and
        // finds the names in the damaged attribute lead nowhere.
        let overflow = corpus.appendingPathComponent("regression-libhdf5-attribute-overflow.hdf5").path
        XCTAssertEqual(message { _ = try WeightLoader.inspect(path: overflow) },
                       "cannot read weights '\(overflow)': no dataset 'fc1000/ernel:0fc1000/b'")
    }

    func testLibhdf5CrashingOrHangingOnAnAttributeBecomesAnError() throws {
        // Found by `make fuzz` once every attribute was read: libhdf5 decoding a damaged variable-length string
        // (Keras's `keras_version`, `backend`) crashes in, or never returns from, its global-heap code. pipe's
        // readers leave those attributes unread; reading all of them shows what the child process contains.
        let corpus = Self.fuzz.appendingPathComponent("corpus/keras")
        let crashing = corpus.appendingPathComponent("regression-libhdf5-vlen-attribute-segv.hdf5").path
        // libhdf5 reads memory it did not set there, so whether it crashes depends on what this process did before.
        let crash = message { try HDF5File.read(path: crashing, timeLimit: 60, fault: .none) { _ in } }
        XCTAssertTrue(["no error", "cannot read weights '\(crashing)': the HDF5 library failed on this file (killed by signal 11, "
                       + "Segmentation fault); the file is damaged or not an HDF5 weights file"].contains(crash), crash)
        let hanging = corpus.appendingPathComponent("regression-libhdf5-vlen-attribute-hang.hdf5").path
        XCTAssertEqual(message { try HDF5File.read(path: hanging, timeLimit: 1, fault: .none) { _ in } },
                       "cannot read weights '\(hanging)': the HDF5 library did not finish reading this file within 1 s; "
                       + "the file is damaged or not an HDF5 weights file")
        XCTAssertEqual(message { _ = try WeightLoader.inspect(path: crashing) },
                       "cannot read weights '\(crashing)': no dataset 'conv1/bn/conv1/bn/gamma:0'")
        XCTAssertEqual(try WeightLoader.inspect(path: hanging).arrays.count, 0)
    }

    func testOnlyTheAttributesAskedForAreRead() throws {
        let path = ModelsFixture.path("keras_densenet_tiny.hdf5")
        try HDF5File.read(path: path, strings: ["weight_names"]) { file in
            XCTAssertTrue(file.hasAttribute("layer_names"))
            XCTAssertEqual(message { _ = try file.stringsAttribute("layer_names") },
                           "cannot read weights '\(path)': the values of attribute 'layer_names' of '/' were not read")
        }
    }

    func testAFileThatIsNotHDF5IsNotReadable() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("text.h5").path
        FileManager.default.createFile(atPath: path, contents: Data("not HDF5\n".utf8))
        XCTAssertEqual(message { try HDF5File.read(path: path) { _ in } }, "cannot read weights '\(path)': not a readable HDF5 file")
        XCTAssertEqual(message { try HDF5File.read(path: path + ".missing") { _ in } },
                       "cannot read weights '\(path).missing': no such file")
    }

    /// A file with a float dataset `/g/d`, a soft link `/soft` to it, an external link `/external` to another
    /// file's `/g/d`, and a hard link `/g/loop` back to the root.
    private func linkedFile() throws -> String {
        let folder = try temporaryDirectory(self)
        let path = folder.appendingPathComponent("links.h5").path
        let file = H5Fcreate(path, chdf5_acc_trunc(), chdf5_default(), chdf5_default())
        let group = H5Gcreate2(file, "g", chdf5_default(), chdf5_default(), chdf5_default())
        var dims: [hsize_t] = [2, 3]
        let space = H5Screate_simple(2, &dims, nil)
        let dataset = H5Dcreate2(group, "d", chdf5_ieee_f32le(), space, chdf5_default(), chdf5_default(), chdf5_default())
        let values: [Float] = [1, 2, 3, 4, 5, 6.5]
        XCTAssertGreaterThanOrEqual(H5Dwrite(dataset, chdf5_native_float(), chdf5_all(), chdf5_all(), chdf5_default(), values), 0)
        XCTAssertGreaterThanOrEqual(H5Lcreate_soft("/g/d", file, "soft", chdf5_default(), chdf5_default()), 0)
        XCTAssertGreaterThanOrEqual(H5Lcreate_external(path, "/g/d", file, "external", chdf5_default(), chdf5_default()), 0)
        XCTAssertGreaterThanOrEqual(H5Lcreate_hard(file, "/", group, "loop", chdf5_default(), chdf5_default()), 0)
        H5Dclose(dataset)
        H5Sclose(space)
        H5Gclose(group)
        H5Fclose(file)
        return path
    }

    func testOnlyHardLinksAreFollowedAndALoopIsWalkedOnce() throws {
        let path = try linkedFile()
        try HDF5File.read(path: path) { file in
            XCTAssertEqual(try file.members(of: "/"), ["external", "g", "soft"])
            XCTAssertEqual(try file.members(of: "g"), ["d", "loop"])
            XCTAssertEqual(try file.floats("/g/d"), WeightArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6.5]))
            XCTAssertTrue(file.exists("g/d"))
            XCTAssertTrue(file.exists("soft"))
            XCTAssertEqual(message { _ = try file.floats("soft") }, "cannot read weights '\(path)': no dataset 'soft'")
            XCTAssertEqual(message { _ = try file.floats("external") }, "cannot read weights '\(path)': no dataset 'external'")
            // The loop leads back to the root, whose members are not walked a second time.
            XCTAssertEqual(message { _ = try file.members(of: "g/loop/g") }, "cannot read weights '\(path)': no group 'g/loop/g'")
            XCTAssertEqual(message { _ = try file.stringsAttribute("x", of: "g") }, "cannot read weights '\(path)': 'g' has no attribute 'x'")
        }
    }

    func testGroupsNestedDeeperThanTheWalkGoesAreRefused() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("deep.h5").path
        let file = H5Fcreate(path, chdf5_acc_trunc(), chdf5_default(), chdf5_default())
        var parent = file
        for _ in 0...HDF5_SNAPSHOT_DEPTH_LIMIT {
            let group = H5Gcreate2(parent, "g", chdf5_default(), chdf5_default(), chdf5_default())
            XCTAssertGreaterThanOrEqual(group, 0)
            if parent != file { H5Gclose(parent) }
            parent = group
        }
        H5Gclose(parent)
        H5Fclose(file)
        XCTAssertEqual(message { try HDF5File.read(path: path) { _ in } },
                       "cannot read weights '\(path)': its groups nest deeper than 32 levels or hold more than 200000 objects: "
                       + "the file is damaged or not an HDF5 weights file")
    }

    func testWithoutValuesOnlyTheStructureIsRead() throws {
        let path = try linkedFile()
        try HDF5File.read(path: path, values: false) { file in
            XCTAssertEqual(try file.members(of: "g"), ["d", "loop"])
            XCTAssertEqual(message { _ = try file.floats("g/d") }, "cannot read weights '\(path)': the values of dataset 'g/d' were not read")
        }
    }

    /// The snapshot the child writes of `path`.
    private func snapshot(_ path: String) -> Data {
        var snapshot = hdf5_snapshot()
        hdf5_snapshot_take(path, 256 << 20, 512 << 20, 60, 0, nil, &snapshot)
        XCTAssertEqual(snapshot.ending, Int32(HDF5_SNAPSHOT_EXITED))
        XCTAssertEqual(snapshot.code, 0)
        let bytes = Data(bytes: snapshot.bytes, count: snapshot.count)
        hdf5_snapshot_release(&snapshot)
        return bytes
    }

    func testATruncatedOrGarbledSnapshotIsAnErrorNeverACrash() throws {
        let bytes = snapshot(ModelsFixture.path("keras_densenet_tiny.weights.hdf5"))
        let contents = try HDF5Contents(bytes)
        XCTAssertGreaterThan(contents.objects.count, 10)
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 3000)) {
            XCTAssertThrowsError(try HDF5Contents(bytes.prefix(length)), "\(length) of \(bytes.count) bytes")
        }
        XCTAssertThrowsError(try HDF5Contents(bytes + [0])) { error in
            XCTAssertEqual(error as? SnapshotReader.Garbled, SnapshotReader.Garbled(offset: bytes.count))
        }
        // Random bytes overwritten: the parser may accept other values, but it must return or throw.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var garbled = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                garbled[Int.random(in: 8..<garbled.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? HDF5Contents(garbled)
        }
    }

    func testAGarbledSnapshotIsReportedAsSuch() throws {
        XCTAssertThrowsError(try HDF5Contents(Data("PH5SNAP1O".utf8))) { error in
            XCTAssertEqual(error as? SnapshotReader.Garbled, SnapshotReader.Garbled(offset: 9))
        }
        XCTAssertThrowsError(try HDF5Contents(Data("HDF5SNAP".utf8)))
        // A group claiming 2^60 members in a few bytes is refused before reserving room for them.
        var group = Data("PH5SNAP1O".utf8) + [0, 0, 0, 0, 0, UInt8(ascii: "M"), 1]
        group += withUnsafeBytes(of: UInt64(1) << 60) { Data($0) }
        XCTAssertThrowsError(try HDF5Contents(group))
    }

    func testABigFileReadsInFull() throws {
        // 8 M floats (32 MB) in one dataset: many times the child's write buffer and the parent's first read buffer.
        let path = try temporaryDirectory(self).appendingPathComponent("big.h5").path
        let file = H5Fcreate(path, chdf5_acc_trunc(), chdf5_default(), chdf5_default())
        var dims: [hsize_t] = [8, 1 << 20]
        let space = H5Screate_simple(2, &dims, nil)
        let dataset = H5Dcreate2(file, "w", chdf5_ieee_f32le(), space, chdf5_default(), chdf5_default(), chdf5_default())
        let values = [Float](unsafeUninitializedCapacity: 8 << 20) { buffer, count in
            for index in 0..<(8 << 20) { buffer[index] = Float(index % 1000) }
            count = 8 << 20
        }
        XCTAssertGreaterThanOrEqual(H5Dwrite(dataset, chdf5_native_float(), chdf5_all(), chdf5_all(), chdf5_default(), values), 0)
        H5Dclose(dataset)
        H5Sclose(space)
        H5Fclose(file)
        let array = try HDF5File.read(path: path) { try $0.floats("w") }
        XCTAssertEqual(array.shape, [8, 1 << 20])
        XCTAssertTrue(array.values == values)
    }
}
