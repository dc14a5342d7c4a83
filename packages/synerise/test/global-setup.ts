import { prismGlobalSetup } from "@cdpkit/testkit";

// One Prism mock of the Redocly bundle of specs/synerise (src/generated/openapi.bundled.yaml).
export default prismGlobalSetup("synerise", "syneriseMockUrl");
