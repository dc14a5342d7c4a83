import { prismGlobalSetup } from "@cdpkit/testkit";

export default prismGlobalSetup("kameleoon", "kameleoonMockUrl");
