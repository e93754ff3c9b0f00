import Testing
@testable import AmtomatConfig

@Suite struct SourceLocatorTests {
    typealias Position = SourceLocator.Position

    let text = """
        # a comment with [brackets] and key = value
        title = "top"                                  
        [locker]
        name = "Rathaus [Nord]"
        coil.gap_ms = 50
        [kiosk]
        note = \"\"\"
        [not a header]
        port = 1
        \"\"\"
        kinds = [
          "passport", # [comment]
          "id-card",
        ]
          port = 8080
        [[compartment]]
        id = 1
        lock = { chip = "a", line = 1 }
        [[compartment]]
        id = 2
        "quoted key" = 3
        [compartment.door]
        chip = "b"
        """

    @Test func findsHeadersAndKeys() {
        let locator = SourceLocator(text)
        #expect(locator.position(of: "title", in: .path([])) == Position(line: 2, column: 1))
        #expect(locator.header(of: .path(["locker"])) == Position(line: 3, column: 1))
        #expect(locator.position(of: "name", in: .path(["locker"])) == Position(line: 4, column: 1))
        // Indented keys keep their column; a multi-line string's "port = 1" is not a key.
        #expect(locator.position(of: "port", in: .path(["kiosk"])) == Position(line: 15, column: 3))
        #expect(locator.position(of: "kinds", in: .path(["kiosk"])) == Position(line: 11, column: 1))
    }

    @Test func dottedKeysAndInlineTables() {
        let locator = SourceLocator(text)
        #expect(locator.position(of: "gap_ms", in: .path(["locker", "coil"])) == Position(line: 5, column: 1))
        // The coil table has no header of its own, so locating it falls back to [locker].
        #expect(locator.header(of: .path(["locker", "coil"])) == nil)
        #expect(locator.locate(nil, in: .path(["locker", "coil"])) == Position(line: 3, column: 1))
        #expect(locator.position(of: "line", in: .element("compartment", index: 0, inner: ["lock"])) == Position(line: 18, column: 22))
    }

    @Test func arrayElementsByOccurrence() {
        let locator = SourceLocator(text)
        #expect(locator.header(of: .element("compartment", index: 0, inner: [])) == Position(line: 16, column: 1))
        #expect(locator.header(of: .element("compartment", index: 1, inner: [])) == Position(line: 19, column: 1))
        #expect(locator.position(of: "id", in: .element("compartment", index: 1, inner: [])) == Position(line: 20, column: 1))
        #expect(locator.position(of: "quoted key", in: .element("compartment", index: 1, inner: [])) == Position(line: 21, column: 1))
        // A sub-table header after the element belongs to it.
        #expect(locator.header(of: .element("compartment", index: 1, inner: ["door"])) == Position(line: 22, column: 1))
        #expect(locator.position(of: "chip", in: .element("compartment", index: 1, inner: ["door"])) == Position(line: 23, column: 1))
        #expect(locator.position(of: "chip", in: .element("compartment", index: 0, inner: ["door"])) == nil)
    }

    @Test func fallsBackToTheTableHeader() {
        let locator = SourceLocator(text)
        #expect(locator.locate("size", in: .element("compartment", index: 1, inner: [])) == Position(line: 19, column: 1))
        #expect(locator.locate("bias", in: .element("compartment", index: 0, inner: ["lock"])) == Position(line: 18, column: 1))
        #expect(locator.locate("host", in: .path(["daemon"])) == nil)
    }

    @Test func windowsLineEndings() {
        let locator = SourceLocator("[kiosk]\r\nhost = \"x\"\r\nport = 1\r\n")
        #expect(locator.position(of: "port", in: .path(["kiosk"])) == Position(line: 3, column: 1))
    }
}
