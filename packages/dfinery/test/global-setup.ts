import { prismGlobalSetup } from "@cdpkit/testkit";

export default prismGlobalSetup("dfinery", "dfineryMockUrl");
