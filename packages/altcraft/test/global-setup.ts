import { prismGlobalSetup } from "@cdpkit/testkit";

export default prismGlobalSetup("altcraft", "altcraftMockUrl");
