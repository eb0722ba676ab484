/** junit.xml read back the way CI reads it: checked well-formed, then parsed into its one suite. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

export interface JunitCase {
  '@name': string;
  failure?: { '@message': string; '#text': string };
  skipped?: unknown;
}

export interface JunitSuite {
  '@name': string;
  '@tests': string;
  '@failures': string;
  testcase: JunitCase[];
}

/** fast-xml-parser's validator lets a bare & or < pass inside an attribute value: those two are checked here. */
function expectWellFormed(xml: string): void {
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml.match(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);)/gi) ?? []).toEqual([]);
  expect([...xml.matchAll(/="([^"]*)"/g)].map((m) => m[1]).filter((v) => v!.includes('<'))).toEqual([]);
}

export function parseJunit(xml: string): JunitSuite {
  expectWellFormed(xml);
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(xml) as { testsuites: { testsuite: JunitSuite[] } };
  expect(parsed.testsuites.testsuite).toHaveLength(1);
  return parsed.testsuites.testsuite[0]!;
}
