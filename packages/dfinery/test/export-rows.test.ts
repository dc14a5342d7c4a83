import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ExportParseError,
  STANDARD_COLUMNS,
  convertCell,
  rowsFromCsv,
  type CellValue,
  type EventExportRow,
  type ExportRowOptions,
  type UserProfileExportRow,
} from "../src/export-rows.js";
import { CsvParseError } from "@cdpkit/core";

// Verbatim from the DFINERY docs (POST /api/v1/export/event response sample; no trailing newline).
const EVENT_CSV = `custom_012,custom_event_p_boolean,custom_event_p_datetime,custom_event_p_double,custom_event_p_double_list,custom_event_p_long,custom_event_p_long_list,custom_event_p_string_list,df_api_version,df_correction_datetime,df_delivery_charge,df_discount,df_event_datetime,df_event_detail_log_id,df_event_log_id,df_event_name,df_items_custom_012391239128,df_items_custom_item_boolean,df_items_custom_item_datetime,df_items_custom_item_double,df_items_custom_item_double_list,df_items_custom_item_long,df_items_custom_item_long_list,df_items_custom_item_string,df_items_custom_item_string_list,df_items_df_category1,df_items_df_category2,df_items_df_category3,df_items_df_category4,df_items_df_category5,df_items_df_discount,df_items_df_item_id,df_items_df_item_name,df_items_df_price,df_items_df_quantity,df_keyword,df_order_id,df_payment_method,df_server_datetime,df_service_id,df_sharing_channel,df_sign_channel,df_source_type,df_total_purchase_amount,df_total_refund_amount,df_unified_id,sum
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:35,,,2025.1.6 10:35,1736127307268:1736127306623:cd20207c-bb2a-4abf-a4a9-80804334cf15,1736127307268:1736127306623:cd20207c-bb2a-4abf-a4a9-80804334cf15,df_end_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:35,xyroon,,,SDK,,,7jPY23Q,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:35,,,2025.1.6 10:35,1736127307268:1736127306638:19c95a76-868b-49bc-a8a5-68058377342f,1736127307268:1736127306638:19c95a76-868b-49bc-a8a5-68058377342f,df_start_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:35,xyroon,,,SDK,,,7jPY23Q,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:38,,,2025.1.6 10:38,1736127490036:30873a05-62d3-4007-b643-f500a151be24,1736127490036:30873a05-62d3-4007-b643-f500a151be24,df_start_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025-01-06 10:38:10.036,xyroon,,,SDK,,,vft57Yw,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:38,,,2025.1.6 10:38,1736127513890:1d302d2c-e66e-4e7b-ba1d-94299a18c218,1736127513890:1d302d2c-e66e-4e7b-ba1d-94299a18c218,df_start_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:38,xyroon,,,SDK,,,vft57Yw,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:38,,,2025.1.6 10:38,1736127521375:0ae48e8f-05f5-48aa-acdd-0ce9c1d62631,1736127521375:0ae48e8f-05f5-48aa-acdd-0ce9c1d62631,df_sign_up,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:38,xyroon,,Kakao,SDK,,,vft57Yw,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:38,,,2025.1.6 10:38,1736127534688:10ce7ebd-ac54-4bbd-bd75-1e15c3ff92b6,1736127534688:10ce7ebd-ac54-4bbd-bd75-1e15c3ff92b6,df_start_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:38,xyroon,,,SDK,,,vft57Yw,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:47,,,2025.1.6 10:47,1736128036788:e90f4559-666c-4b04-9f1b-846c55f3b12d,1736128036788:e90f4559-666c-4b04-9f1b-846c55f3b12d,df_start_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:47,xyroon,,,SDK,,,vft57Yw,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:47,,,2025.1.6 10:47,1736128047673:c62a93ed-4979-4307-b2d5-cbcc3f46578e,1736128047673:c62a93ed-4979-4307-b2d5-cbcc3f46578e,df_start_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:47,xyroon,,,SDK,,,vft57Yw,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:47,,,2025.1.6 10:47,1736128055767:95d77aa8-0bf2-4967-908b-0ac60987e250,1736128055767:95d77aa8-0bf2-4967-908b-0ac60987e250,df_start_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:47,xyroon,,,SDK,,,vft57Yw,
,FALSE,,,null,,null,null,1.0.0,2025.1.6 10:47,,,2025.1.6 10:47,1736128058570:a68f6530-6496-48c1-b6bb-4593d03b140f,1736128058570:a68f6530-6496-48c1-b6bb-4593d03b140f,df_start_session,,FALSE,,,null,,null,,null,,,,,,,,,,,,,,2025.1.6 10:47,xyroon,,,SDK,,,vft57Yw,`;

// Verbatim from the DFINERY docs (POST /api/v1/export/userprofile response sample; no trailing newline).
const USER_PROFILE_CSV = `custom_user_datetime,df_gender,df_kakao_ads_optin,df_membership,df_push_ads_optin,df_push_night_ads_optin,df_push_optin,df_sms_ads_optin,df_unified_id,scenario_list_string
,Male,false,,true,false,true,false,ZCUyK5F,"[""1"",""2""]"
,,false,,false,false,false,false,xrx4ib2,null
,,false,,false,false,true,false,BWCExSV,null
,,false,,false,false,false,false,uZFjOE3,null`;

const enc = new TextEncoder();

async function* chunksOf<T extends Uint8Array | string>(chunks: readonly T[]): AsyncGenerator<T> {
  for (const c of chunks) yield c;
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

const rowsOf = <Row extends Record<string, CellValue> = Record<string, CellValue>>(
  csv: string,
  options?: ExportRowOptions,
): Promise<Row[]> => collect(rowsFromCsv<Row>(chunksOf([enc.encode(csv)]), options));

async function expectParseError(p: Promise<unknown>): Promise<ExportParseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExportParseError);
  return err as ExportParseError;
}

const ctx = (options: ExportRowOptions = {}) => ({ line: 7, column: "col", options });

describe("docs samples", () => {
  it("parses the export/event sample into typed rows", async () => {
    const rows = await rowsOf<EventExportRow>(EVENT_CSV);
    expect(rows).toHaveLength(10);
    expect(Object.keys(rows[0]!)).toHaveLength(47);
    expect(rows[0]).toEqual({
      custom_012: null,
      custom_event_p_boolean: false, // unknown column, inferred boolean from FALSE
      custom_event_p_datetime: null,
      custom_event_p_double: null,
      custom_event_p_double_list: null, // literal null
      custom_event_p_long: null,
      custom_event_p_long_list: null,
      custom_event_p_string_list: null,
      df_api_version: "1.0.0",
      df_correction_datetime: "2025-01-06T10:35:00.000",
      df_delivery_charge: null,
      df_discount: null,
      df_event_datetime: "2025-01-06T10:35:00.000",
      df_event_detail_log_id: "1736127307268:1736127306623:cd20207c-bb2a-4abf-a4a9-80804334cf15",
      df_event_log_id: "1736127307268:1736127306623:cd20207c-bb2a-4abf-a4a9-80804334cf15",
      df_event_name: "df_end_session",
      df_items_custom_012391239128: null,
      df_items_custom_item_boolean: false,
      df_items_custom_item_datetime: null,
      df_items_custom_item_double: null,
      df_items_custom_item_double_list: null,
      df_items_custom_item_long: null,
      df_items_custom_item_long_list: null,
      df_items_custom_item_string: null,
      df_items_custom_item_string_list: null,
      df_items_df_category1: null,
      df_items_df_category2: null,
      df_items_df_category3: null,
      df_items_df_category4: null,
      df_items_df_category5: null,
      df_items_df_discount: null,
      df_items_df_item_id: null,
      df_items_df_item_name: null,
      df_items_df_price: null,
      df_items_df_quantity: null,
      df_keyword: null,
      df_order_id: null,
      df_payment_method: null,
      df_server_datetime: "2025-01-06T10:35:00.000",
      df_service_id: "xyroon",
      df_sharing_channel: null,
      df_sign_channel: null,
      df_source_type: "SDK",
      df_total_purchase_amount: null,
      df_total_refund_amount: null,
      df_unified_id: "7jPY23Q",
      sum: null,
    });
    // the second datetime format, normalised
    expect(rows[2]!.df_server_datetime).toBe("2025-01-06T10:38:10.036");
    expect(rows[2]!.df_event_datetime).toBe("2025-01-06T10:38:00.000");
    expect(rows[4]!.df_sign_channel).toBe("Kakao");
    expect(rows[4]!.df_event_name).toBe("df_sign_up");
    expect(rows[9]!.df_unified_id).toBe("vft57Yw");
    expect(rows.map((r) => r.df_unified_id)).toEqual([
      "7jPY23Q",
      "7jPY23Q",
      "vft57Yw",
      "vft57Yw",
      "vft57Yw",
      "vft57Yw",
      "vft57Yw",
      "vft57Yw",
      "vft57Yw",
      "vft57Yw",
    ]);
    for (const r of rows) {
      expect(r.df_items_custom_item_boolean).toBe(false);
      expect(r.custom_event_p_double_list).toBeNull();
      expect(typeof r.df_unified_id).toBe("string");
    }
  });

  it("parses the export/event sample with declared custom columns and a utcOffset", async () => {
    const rows = await rowsOf<EventExportRow>(EVENT_CSV, {
      utcOffset: "+09:00",
      columns: {
        custom_event_p_boolean: "boolean",
        custom_event_p_datetime: "datetime",
        custom_event_p_double: "double",
        custom_event_p_double_list: "double_list",
        custom_event_p_long: "long",
        custom_event_p_long_list: "long_list",
        custom_event_p_string_list: "string_list",
        df_items_custom_item_boolean: "boolean",
        df_items_custom_item_double_list: "double_list",
        sum: "double",
      },
    });
    expect(rows[0]!.custom_event_p_boolean).toBe(false);
    expect(rows[0]!.custom_event_p_double_list).toBeNull();
    expect(rows[0]!.df_items_custom_item_boolean).toBe(false);
    expect(rows[0]!.df_event_datetime).toBe("2025-01-06T10:35:00.000+09:00");
    expect(rows[2]!.df_server_datetime).toBe("2025-01-06T10:38:10.036+09:00");
    expect(rows[2]!.df_unified_id).toBe("vft57Yw");
  });

  it("parses the export/userprofile sample into typed rows", async () => {
    const rows = await rowsOf<UserProfileExportRow>(USER_PROFILE_CSV);
    expect(rows).toEqual([
      {
        custom_user_datetime: null,
        df_gender: "Male",
        df_kakao_ads_optin: false,
        df_membership: null,
        df_push_ads_optin: true,
        df_push_night_ads_optin: false,
        df_push_optin: true,
        df_sms_ads_optin: false,
        df_unified_id: "ZCUyK5F",
        scenario_list_string: ["1", "2"],
      },
      {
        custom_user_datetime: null,
        df_gender: null,
        df_kakao_ads_optin: false,
        df_membership: null,
        df_push_ads_optin: false,
        df_push_night_ads_optin: false,
        df_push_optin: false,
        df_sms_ads_optin: false,
        df_unified_id: "xrx4ib2",
        scenario_list_string: null,
      },
      {
        custom_user_datetime: null,
        df_gender: null,
        df_kakao_ads_optin: false,
        df_membership: null,
        df_push_ads_optin: false,
        df_push_night_ads_optin: false,
        df_push_optin: true,
        df_sms_ads_optin: false,
        df_unified_id: "BWCExSV",
        scenario_list_string: null,
      },
      {
        custom_user_datetime: null,
        df_gender: null,
        df_kakao_ads_optin: false,
        df_membership: null,
        df_push_ads_optin: false,
        df_push_night_ads_optin: false,
        df_push_optin: false,
        df_sms_ads_optin: false,
        df_unified_id: "uZFjOE3",
        scenario_list_string: null,
      },
    ]);
    // declared as string_list it parses the same
    const declared = await rowsOf(USER_PROFILE_CSV, { columns: { scenario_list_string: "string_list", custom_user_datetime: "datetime" } });
    expect(declared[0]!.scenario_list_string).toEqual(["1", "2"]);
  });

  it("gives identical rows for the docs samples split at every byte position and in 1-byte chunks", async () => {
    const cases: [input: string, sameAs: string][] = [
      [EVENT_CSV, EVENT_CSV],
      [USER_PROFILE_CSV, USER_PROFILE_CSV],
      // BOM + CRLF + trailing newline variant must give the same rows
      [`\uFEFF${USER_PROFILE_CSV.replaceAll("\n", "\r\n")}\r\n`, USER_PROFILE_CSV],
    ];
    for (const [csv, sameAs] of cases) {
      const bytes = enc.encode(csv);
      const reference = await rowsOf(sameAs);
      expect(reference.length).toBeGreaterThan(0);
      for (let p = 0; p <= bytes.length; p++) {
        expect(await collect(rowsFromCsv(chunksOf([bytes.subarray(0, p), bytes.subarray(p)])))).toEqual(reference);
      }
      const oneByte = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
      expect(await collect(rowsFromCsv(chunksOf(oneByte)))).toEqual(reference);
    }
  });

  it("types rows with the export row shapes", async () => {
    const gen = rowsFromCsv<EventExportRow>(chunksOf([EVENT_CSV]));
    for await (const row of gen) {
      expectTypeOf(row.df_unified_id).toEqualTypeOf<string | null>();
      expectTypeOf(row.df_items_df_quantity).toEqualTypeOf<number | null>();
      expectTypeOf(row["custom_anything"]).toEqualTypeOf<CellValue | undefined>();
      break;
    }
    const profile = rowsFromCsv<UserProfileExportRow>(chunksOf([USER_PROFILE_CSV]));
    for await (const row of profile) {
      expectTypeOf(row.df_kakao_ads_optin).toEqualTypeOf<boolean | null>();
      break;
    }
  });
});

describe("convertCell", () => {
  it("maps empty cells and literal null to null for every type", () => {
    for (const type of [undefined, "string", "long", "double", "boolean", "datetime", "string_list", "long_list", "double_list"] as const) {
      expect(convertCell("", type, ctx())).toBeNull();
      expect(convertCell("null", type, ctx())).toBeNull();
    }
  });

  it("string: raw text unchanged", () => {
    expect(convertCell("  007 ", "string", ctx())).toBe("  007 ");
    expect(convertCell("NULL", "string", ctx())).toBe("NULL");
  });

  it("long: safe integers only", () => {
    expect(convertCell("42", "long", ctx())).toBe(42);
    expect(convertCell("-5", "long", ctx())).toBe(-5);
    expect(convertCell("9007199254740991", "long", ctx())).toBe(9007199254740991);
    for (const bad of ["9007199254740992", "1.0", "1e3", "abc", " 1", "0x10", "--1"]) {
      expect(() => convertCell(bad, "long", ctx())).toThrow(ExportParseError);
    }
  });

  it("double: finite decimal numbers only", () => {
    expect(convertCell("3000", "double", ctx())).toBe(3000);
    expect(convertCell("-1.25", "double", ctx())).toBe(-1.25);
    expect(convertCell(".5", "double", ctx())).toBe(0.5);
    expect(convertCell("1e3", "double", ctx())).toBe(1000);
    for (const bad of ["NaN", "Infinity", "1e400", "0x10", "1,5", "abc", "1.2.3"]) {
      expect(() => convertCell(bad, "double", ctx())).toThrow(ExportParseError);
    }
  });

  it("boolean: true/false in any case", () => {
    expect(convertCell("FALSE", "boolean", ctx())).toBe(false);
    expect(convertCell("True", "boolean", ctx())).toBe(true);
    for (const bad of ["yes", "1", "0", "t"]) expect(() => convertCell(bad, "boolean", ctx())).toThrow(ExportParseError);
  });

  it("lists: JSON arrays with checked elements", () => {
    expect(convertCell('["1","2"]', "string_list", ctx())).toEqual(["1", "2"]);
    expect(convertCell("[]", "string_list", ctx())).toEqual([]);
    expect(convertCell('[1,"2",-3]', "long_list", ctx())).toEqual([1, 2, -3]);
    expect(convertCell('[1.5,"2.5",3]', "double_list", ctx())).toEqual([1.5, 2.5, 3]);
    const bad: [string, "string_list" | "long_list" | "double_list"][] = [
      ["[1,2]", "string_list"],
      ['["a",null]', "string_list"],
      ["[1.5]", "long_list"],
      ['["x"]', "long_list"],
      ["[9007199254740993]", "long_list"],
      ["[true]", "double_list"],
      ["1,2", "string_list"],
      ['{"a":1}', "string_list"],
      ["[1,", "long_list"],
    ];
    for (const [raw, type] of bad) expect(() => convertCell(raw, type, ctx()), `${type} ${raw}`).toThrow(ExportParseError);
  });

  it("datetime: both export formats normalised to ISO without zone by default", () => {
    expect(convertCell("2025.1.6 10:35", "datetime", ctx())).toBe("2025-01-06T10:35:00.000");
    expect(convertCell("2025.12.31 9:05", "datetime", ctx())).toBe("2025-12-31T09:05:00.000");
    expect(convertCell("2024.2.29 0:00:07", "datetime", ctx())).toBe("2024-02-29T00:00:07.000");
    expect(convertCell("2025-01-06 10:38:10.036", "datetime", ctx())).toBe("2025-01-06T10:38:10.036");
    expect(convertCell("2025-01-06 10:38:10", "datetime", ctx())).toBe("2025-01-06T10:38:10.000");
    expect(convertCell("2025-01-06 10:38:10.5", "datetime", ctx())).toBe("2025-01-06T10:38:10.500");
    expect(convertCell("2025-01-06T10:38:10.1234567", "datetime", ctx())).toBe("2025-01-06T10:38:10.123");
  });

  it("datetime: appends utcOffset; a value with its own zone keeps it", () => {
    const o = ctx({ utcOffset: "+09:00" });
    expect(convertCell("2025.1.6 10:35", "datetime", o)).toBe("2025-01-06T10:35:00.000+09:00");
    expect(convertCell("2025-01-06 10:38:10.036", "datetime", o)).toBe("2025-01-06T10:38:10.036+09:00");
    expect(convertCell("2023-08-15T12:30:00.000Z", "datetime", o)).toBe("2023-08-15T12:30:00.000Z");
    expect(convertCell("2023-08-15T12:30:00+0530", "datetime", o)).toBe("2023-08-15T12:30:00.000+05:30");
    expect(convertCell("2025.1.6 10:35", "datetime", ctx({ utcOffset: "Z" }))).toBe("2025-01-06T10:35:00.000Z");
  });

  it("datetime: rejects invalid dates and formats", () => {
    for (const bad of [
      "2025.2.29 10:00",
      "2025.13.1 10:00",
      "2025-01-06 24:00:00",
      "2025-01-06 10:60",
      "2025-01-06",
      "2025/01/06 10:00",
      "1736127307268",
    ]) {
      expect(() => convertCell(bad, "datetime", ctx()), bad).toThrow(ExportParseError);
    }
  });

  it("datetime: the dotted format's edge cases read as the regex reads them", () => {
    const good: [string, string][] = [
      ["2025.1.6 1:05", "2025-01-06T01:05:00.000"],
      ["2025.01.06T10:35", "2025-01-06T10:35:00.000"],
      ["2025.1.6 10:35:07.5", "2025-01-06T10:35:07.500"],
      ["2025.1.6 10:35:07.03", "2025-01-06T10:35:07.030"],
      ["2025.1.6 10:35:07.123456789", "2025-01-06T10:35:07.123"],
      ["0999.1.6 10:35", "0999-01-06T10:35:00.000"],
    ];
    for (const [raw, iso] of good) expect(convertCell(raw, "datetime", ctx()), raw).toBe(iso);
    for (const bad of [
      "2025.1.6 10:5",
      "2025.1.6 10:355",
      "2025.1.6 24:00",
      "2025.1.6 10:35:60",
      "2025.1.6 10:35:7",
      "2025.1.6 10:35:07.",
      "2025.1.6 10:35:07.1234567890",
      "2025.123.6 10:35",
      "2025..6 10:35",
      "2025.1.6  10:35",
      "2025.1.6 10:35 ",
      "12025.1.6 10:35",
      "2O25.1.6 10:35",
      "2025.0.6 10:35",
      "2025.4.31 10:35",
    ]) {
      expect(() => convertCell(bad, "datetime", ctx()), bad).toThrow(ExportParseError);
    }
  });

  it("datetime: a repeated cell reads as its first reading, also when it was rejected", async () => {
    const csv = "a,b\n2025.1.6 10:35,2025.1.6 10:35\n2025.1.6 10:35,2025.1.6 10:36\n2025.1.6 10:99,2025.1.6 10:99\n2025.1.6 10:35,\n";
    const rows = await rowsOf(csv, { columns: { a: "datetime", b: "datetime" }, onInvalid: "string" });
    expect(rows).toEqual([
      { a: "2025-01-06T10:35:00.000", b: "2025-01-06T10:35:00.000" },
      { a: "2025-01-06T10:35:00.000", b: "2025-01-06T10:36:00.000" },
      { a: "2025.1.6 10:99", b: "2025.1.6 10:99" },
      { a: "2025-01-06T10:35:00.000", b: null },
    ]);
    const failure = await expectParseError(rowsOf(csv, { columns: { a: "datetime", b: "datetime" } }));
    expect(failure).toMatchObject({ line: 4, column: "a", value: "2025.1.6 10:99" });
  });

  it("unknown columns: conservative inference, never numbers", () => {
    expect(convertCell("FALSE", undefined, ctx())).toBe(false);
    expect(convertCell("true", undefined, ctx())).toBe(true);
    expect(convertCell('["1","2"]', undefined, ctx())).toEqual(["1", "2"]);
    expect(convertCell("[1,2.5]", undefined, ctx())).toEqual([1, 2.5]);
    expect(convertCell("[]", undefined, ctx())).toEqual([]);
    for (const keep of [
      "821012345678",
      "007",
      "1.5",
      "1e3",
      "-1",
      "2025.1.6 10:35",
      "Male",
      '["a",1]',
      "[12345678901234567890]",
      "[nope",
      "NULL",
      "truthy",
    ]) {
      expect(convertCell(keep, undefined, ctx()), keep).toBe(keep);
    }
  });

  it('errors name the column, line and value; onInvalid "string" keeps the raw text', () => {
    let err: unknown;
    try {
      convertCell("abc", "double", { line: 12, column: "df_price", options: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExportParseError);
    const e = err as ExportParseError;
    expect(e.line).toBe(12);
    expect(e.column).toBe("df_price");
    expect(e.value).toBe("abc");
    expect(e.message).toContain("df_price");
    expect(e.message).toContain("line 12");
    expect(convertCell("abc", "double", ctx({ onInvalid: "string" }))).toBe("abc");
    expect(convertCell("2025.2.30 1:00", "datetime", ctx({ onInvalid: "string" }))).toBe("2025.2.30 1:00");
    expect(() => convertCell("abc", "double", ctx({ onInvalid: "error" }))).toThrow(ExportParseError);
  });
});

describe("rowsFromCsv", () => {
  it("applies STANDARD_COLUMNS strictly, naming column and line on failure", async () => {
    expect(STANDARD_COLUMNS.df_items_df_quantity).toBe("long");
    expect(STANDARD_COLUMNS.df_kakao_ads_optin).toBe("boolean");
    expect(STANDARD_COLUMNS.df_event_datetime).toBe("datetime");
    expect(STANDARD_COLUMNS.df_unified_id).toBe("string");
    const csv = 'df_unified_id,df_items_df_price,df_items_df_quantity,note\nu1,3000,2,"multi\nline"\nu2,12.5,1.5,x\n';
    const err = await expectParseError(rowsOf(csv));
    expect(err.line).toBe(4); // physical line: the quoted newline on line 2-3 counts
    expect(err.column).toBe("df_items_df_quantity");
    expect(err.value).toBe("1.5");
    expect(err.message).toMatch(/df_items_df_quantity.*line 4/);
  });

  it("yields rows before a failing one (errors are never swallowed)", async () => {
    const seen: Record<string, CellValue>[] = [];
    const csv = "df_price\n1\nbad\n3\n";
    await expect(
      (async () => {
        for await (const r of rowsFromCsv(chunksOf([csv]))) seen.push(r);
      })(),
    ).rejects.toThrow(ExportParseError);
    expect(seen).toEqual([{ df_price: 1 }]);
  });

  it('onInvalid "string" keeps unparseable cells as raw strings', async () => {
    const rows = await rowsOf("df_price,df_event_datetime,df_push_optin\nabc,yesterday,maybe\n1,2025.1.6 10:35,TRUE\n", {
      onInvalid: "string",
    });
    expect(rows).toEqual([
      { df_price: "abc", df_event_datetime: "yesterday", df_push_optin: "maybe" },
      { df_price: 1, df_event_datetime: "2025-01-06T10:35:00.000", df_push_optin: true },
    ]);
  });

  it("options.columns declares custom properties and overrides the built-in map", async () => {
    const csv = 'df_unified_id,custom_score,custom_tags,df_price,phone\nU1,42,"[""7"",""8""]",1000,821012345678\n';
    expect(await rowsOf(csv)).toEqual([
      { df_unified_id: "U1", custom_score: "42", custom_tags: ["7", "8"], df_price: 1000, phone: "821012345678" },
    ]);
    expect(await rowsOf(csv, { columns: { custom_score: "long", custom_tags: "long_list", df_price: "string", phone: "string" } })).toEqual(
      [{ df_unified_id: "U1", custom_score: 42, custom_tags: [7, 8], df_price: "1000", phone: "821012345678" }],
    );
  });

  it("rejects ragged rows naming the line (too few and too many cells)", async () => {
    const few = await expectParseError(rowsOf("a,b,c\n1,2,3\n4,5\n"));
    expect(few.line).toBe(3);
    expect(few.column).toBe("c");
    expect(few.message).toMatch(/Line 3 has 2 cells but the header has 3 columns/);
    const many = await expectParseError(rowsOf('a,b\r\n"x\r\ny",2\r\n1,2,3\r\n'));
    expect(many.line).toBe(4);
    expect(many.value).toBe("3");
    expect(many.message).toMatch(/Line 4 has 3 cells/);
  });

  it("skips blank lines for multi-column headers; keeps them as null for single-column ones", async () => {
    expect(await rowsOf("a,b\n1,2\n\n3,4\n\n")).toEqual([
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ]);
    expect(await rowsOf("a\nx\n\ny\n")).toEqual([{ a: "x" }, { a: null }, { a: "y" }]);
  });

  it("handles header edge cases: empty input, header only, duplicates, prototype keys", async () => {
    expect(await rowsOf("")).toEqual([]);
    expect(await rowsOf("a,b\n")).toEqual([]);
    const dup = await expectParseError(rowsOf("a,b,a\n1,2,3\n"));
    expect(dup.line).toBe(1);
    expect(dup.column).toBe("a");
    const rows = await rowsOf("__proto__,constructor,toString\n{},x,true\n");
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    expect(Object.keys(rows[0]!)).toEqual(["__proto__", "constructor", "toString"]);
    expect(rows[0]!["__proto__"]).toBe("{}");
    expect(rows[0]!["constructor"]).toBe("x");
    expect(rows[0]!["toString"]).toBe(true);
  });

  it("propagates CSV syntax errors", async () => {
    await expect(rowsOf('a,b\n1,"open')).rejects.toThrow(CsvParseError);
    await expect(rowsOf('a\n"0123456789"\n', { maxFieldBytes: 5 })).rejects.toThrow(CsvParseError);
  });

  it("validates options eagerly", () => {
    expect(() => rowsFromCsv(chunksOf([""]), { utcOffset: "+9" })).toThrow(RangeError);
    expect(() => rowsFromCsv(chunksOf([""]), { utcOffset: "KST" })).toThrow(RangeError);
    expect(() => rowsFromCsv(chunksOf([""]), { columns: { x: "int" as never } })).toThrow(RangeError);
    expect(() => rowsFromCsv(chunksOf([""]), { onInvalid: "ignore" as never })).toThrow(RangeError);
  });

  it("streams: stops pulling a 200k-row lazy source when the consumer stops early", async () => {
    const TOTAL = 200_000;
    const PER_CHUNK = 50;
    let chunksPulled = 0;
    let finalized = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield enc.encode("df_unified_id,df_event_name,df_event_datetime,df_items_df_quantity,phone\n");
        for (let start = 0; start < TOTAL; start += PER_CHUNK) {
          let s = "";
          for (let i = start; i < start + PER_CHUNK; i++)
            s += `U${i},df_purchase,2025.1.6 10:${String(i % 60).padStart(2, "0")},${i},010${i}\n`;
          chunksPulled++;
          yield enc.encode(s);
        }
      } finally {
        finalized = true;
      }
    }
    const rows: EventExportRow[] = [];
    for await (const row of rowsFromCsv<EventExportRow>(source())) {
      rows.push(row);
      if (rows.length === 500) break;
    }
    expect(rows[499]).toEqual({
      df_unified_id: "U499",
      df_event_name: "df_purchase",
      df_event_datetime: "2025-01-06T10:19:00.000",
      df_items_df_quantity: 499,
      phone: "010499",
    });
    expect(chunksPulled).toBeLessThanOrEqual(11);
    expect(finalized).toBe(true);
  });

  it("streams: cancels a ReadableStream source on early return", async () => {
    let cancelled = false;
    let n = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        start(c) {
          c.enqueue(enc.encode("df_unified_id\n"));
        },
        pull(c) {
          c.enqueue(enc.encode(`U${n++}\n`));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const gen = rowsFromCsv(stream);
    expect((await gen.next()).value).toEqual({ df_unified_id: "U0" });
    await gen.return(undefined);
    expect(cancelled).toBe(true);
    expect(stream.locked).toBe(false);
    expect(n).toBeLessThan(4);
  });
});
