import NumCore
import Foundation
import Serving

/// An id sent as a JSON string or integer (`"123"` and `123` name the same user or item).
struct FlexibleID: Decodable, Sendable {
    let value: String

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            value = s
        } else if let i = try? c.decode(Int64.self) {
            value = String(i)
        } else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "expected an id (string or integer)"))
        }
    }
}

/// The body of `POST /v1/retrieve`.
struct RetrieveRequest: Decodable, Sendable {
    var userID: FlexibleID?
    var history: [FlexibleID]?
    var vector: [Float]?
    var k: Int?
    var excludeSeen: Bool?
    var exclude: [FlexibleID]?
    var index: String?
    var nprobe: Int?

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", history, vector, k, excludeSeen = "exclude_seen", exclude, index, nprobe
    }

    /// Decodes the fields; a query source sent as `null` is an error (other optional fields
    /// count `null` as absent).
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in [CodingKeys.userID, .history, .vector] where c.contains(key) {
            if try c.decodeNil(forKey: key) {
                throw DecodingError.valueNotFound(Any.self, .init(codingPath: [key], debugDescription: "\(key.rawValue) is null"))
            }
        }
        userID = try c.decodeIfPresent(FlexibleID.self, forKey: .userID)
        history = try c.decodeIfPresent([FlexibleID].self, forKey: .history)
        // Read as doubles and divided by the largest magnitude before they become Floats (only
        // the direction counts; the retriever normalises), so values below Float's range keep
        // their direction instead of rounding to 0. A value above Float's range is left as is,
        // becomes infinite and is refused by the retriever (422).
        vector = try c.decodeIfPresent([Double].self, forKey: .vector).map { v in
            let largest = v.reduce(0) { max($0, abs($1)) }
            guard largest > 0, largest <= Double(Float.greatestFiniteMagnitude) else { return v.map { Float($0) } }
            return v.map { Float($0 / largest) }
        }
        k = try Self.integer(c, .k)
        excludeSeen = try c.decodeIfPresent(Bool.self, forKey: .excludeSeen)
        exclude = try c.decodeIfPresent([FlexibleID].self, forKey: .exclude)
        index = try c.decodeIfPresent(String.self, forKey: .index)
        nprobe = try Self.integer(c, .nprobe)
    }

    /// An optional integer field. Foundation reports a number that is no `Int` (`1.5`, `1e30`)
    /// as "not valid JSON" with no field; this names the field and the number instead.
    private static func integer(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        guard c.contains(key), try !c.decodeNil(forKey: key) else { return nil }
        if let v = try? c.decode(Int.self, forKey: key) { return v }
        if let d = try? c.decode(Double.self, forKey: key) {
            throw DecodingError.typeMismatch(Int.self, .init(codingPath: [key], debugDescription: "expected an integer, got \(d)"))
        }
        return try c.decode(Int.self, forKey: key)  // the decoder's own error (a string, an array...)
    }

    /// Default number of items when `k` is absent.
    static let defaultK = 10

    /// The transport-independent query, or an error naming what is wrong.
    func query() throws -> RetrievalQuery {
        let source: QuerySource
        switch (userID, history, vector) {
        case (let u?, nil, nil): source = .user(u.value)
        case (let u, let h?, nil): source = .history(h.map(\.value), user: u?.value)
        case (nil, nil, let v?): source = .vector(v)
        case (nil, nil, nil):
            throw APIError(.badRequest, "send one of user_id, history or vector")
        default:
            throw APIError(.badRequest, "send only one of user_id, history or vector (user_id may go with history)")
        }
        var choice: IndexChoice? = nil
        if let index {
            guard let c = IndexChoice(rawValue: index) else { throw APIError(.badRequest, "index must be 'exact', 'ivf' or 'vectordb', not '\(index)'") }
            choice = c
        }
        return RetrievalQuery(source: source, k: k ?? Self.defaultK, excludeSeen: excludeSeen ?? true,
                              exclude: exclude?.map(\.value) ?? [], index: choice, nprobe: nprobe)
    }
}

/// Writes the JSON answers by hand: one string append per field, no `JSONEncoder`.
enum JSONWriter {
    /// `{"items":[{"id":"..","score":..},...],"k":..,"index":"..","run":"..","took_ms":..}`.
    static func items(_ items: [RetrievedItem], k: Int, index: String, run: String, tookMs: Double) -> String {
        var s = "{\"items\":["
        s.reserveCapacity(48 + items.count * 40)
        for (i, it) in items.enumerated() {
            if i > 0 { s += "," }
            s += "{\"id\":"; appendString(it.id, to: &s); s += ",\"score\":"; s += it.score.isFinite ? it.score.description : "null"; s += "}"
        }
        s += "],\"k\":\(k),\"index\":"; appendString(index, to: &s)
        s += ",\"run\":"; appendString(run, to: &s)
        s += ",\"took_ms\":" + String(format: "%.3f", tookMs) + "}"
        return s
    }

    /// `{"error":{"status":..,"reason":"..","message":".."}}`.
    static func error(status: Int, reason: String, message: String) -> String {
        var s = "{\"error\":{\"status\":\(status),\"reason\":"
        appendString(reason, to: &s)
        s += ",\"message\":"
        appendString(message, to: &s)
        return s + "}}"
    }

    /// A JSON object of string, integer and number fields in the given order.
    static func object(_ fields: [(String, Any)]) -> String {
        var s = "{"
        for (i, (key, value)) in fields.enumerated() {
            if i > 0 { s += "," }
            appendString(key, to: &s)
            s += ":"
            switch value {
            case let v as String: appendString(v, to: &s)
            case let v as Int: s += String(v)
            case let v as Double: s += number(v)
            case let v as Bool: s += v ? "true" : "false"
            default: appendString("\(value)", to: &s)
            }
        }
        return s + "}"
    }

    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// Appends `t` as a JSON string literal.
    static func appendString(_ t: String, to s: inout String) { TextEscaping.appendJSONString(t, to: &s) }
}
