import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP GET that appends to a partial file, asking only for the missing bytes when it already has some.
final class HTTPFileTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let url: URL
    private let destination: URL
    private let timeout: TimeInterval
    private let progress: @Sendable (Int64, Int64?) -> Void
    private let done = DispatchSemaphore(value: 0)
    private var handle: FileHandle?
    private var received: Int64 = 0
    private var expected: Int64?
    private var failure: ImportWeightsError?

    init(url: URL, destination: URL, timeout: TimeInterval, progress: @escaping @Sendable (Int64, Int64?) -> Void) {
        self.url = url
        self.destination = destination
        self.timeout = timeout
        self.progress = progress
    }

    /// Downloads until the file is complete; throws with what to do when the server or network fails.
    func run() throws {
        let have = (try? FileManager.default.attributesOfItem(atPath: destination.path)[.size] as? Int64) ?? 0
        var request = URLRequest(url: url, timeoutInterval: timeout)
        if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
        received = have
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        session.dataTask(with: request).resume()
        done.wait()
        session.finishTasksAndInvalidate()
        try? handle?.close()
        if let failure { throw failure }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        switch status {
        case 206:
            handle = try? FileHandle(forWritingTo: destination)
            _ = try? handle?.seekToEnd()
            expected = response.expectedContentLength >= 0 ? received + response.expectedContentLength : nil
        case 200:
            FileManager.default.createFile(atPath: destination.path, contents: nil)
            handle = try? FileHandle(forWritingTo: destination)
            received = 0
            expected = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        case 416:
            // The partial file already holds everything the server has; the digest check decides.
            completionHandler(.cancel)
            return
        default:
            failure = .server(url: url.absoluteString, status: status)
            completionHandler(.cancel)
            return
        }
        if handle == nil {
            failure = .cannotWrite(destination.path)
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        do {
            try handle?.write(contentsOf: data)
        } catch {
            failure = .cannotWrite(destination.path)
            dataTask.cancel()
            return
        }
        received += Int64(data.count)
        progress(received, expected)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if failure == nil, let error, (error as? URLError)?.code != .cancelled {
            failure = .interrupted(url: url.absoluteString, received: received, expected: expected, reason: error.localizedDescription)
        } else if failure == nil, let expected, received < expected {
            failure = .interrupted(url: url.absoluteString, received: received, expected: expected, reason: "the connection closed early")
        }
        done.signal()
    }
}
