import Foundation
import Testing

/// deploy/template.yaml's rule that a public Function URL needs a token, evaluated as CloudFormation evaluates
/// Rules (the rule's condition over the parameters, then its assertions) for each combination of parameters.
@Suite("Gateway: the deploy template refuses a public URL without a token")
struct GatewayDeployTemplateTests {
    static let evaluator = #"""
import sys, json, yaml
class Loader(yaml.SafeLoader): pass
def tag(name):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode): value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode): value = loader.construct_sequence(node, deep=True)
        else: value = loader.construct_mapping(node, deep=True)
        return {name: value}
    return construct
for name in ("Ref", "Equals", "Not", "And", "Or", "If", "Sub", "GetAtt", "Join", "Select", "Split", "Contains", "EachMemberEquals"):
    Loader.add_constructor("!" + name, tag("Fn::" + name if name != "Ref" else "Ref"))
template = yaml.load(open(sys.argv[1]), Loader=Loader)
params = json.loads(sys.argv[2])
def value(x):
    if isinstance(x, dict) and len(x) == 1:
        (k, v), = x.items()
        if k == "Ref": return params.get(v, template["Parameters"].get(v, {}).get("Default"))
        if k == "Fn::Equals": return value(v[0]) == value(v[1])
        if k == "Fn::Not": return not value(v[0])
        if k == "Fn::And": return all(value(i) for i in v)
        if k == "Fn::Or": return any(value(i) for i in v)
        raise SystemExit("unsupported function " + k)
    return x
refused = []
for name, rule in template.get("Rules", {}).items():
    if "RuleCondition" in rule and not value(rule["RuleCondition"]): continue
    refused += [name for a in rule["Assertions"] if not value(a["Assert"])]
print(json.dumps(refused))
"""#

    @Test(arguments: [
        (["FunctionUrlAuthType": "NONE", "AuthToken": ""], true),
        (["FunctionUrlAuthType": "NONE", "AuthToken": "a-long-random-token"], false),
        (["FunctionUrlAuthType": "AWS_IAM", "AuthToken": ""], false),
        ([:], false),  // the defaults: AWS_IAM
    ])
    func aPublicURLWithoutATokenIsRefused(parameters: [String: String], refused: Bool) async throws {
        let template = "\(bootstrapRepositoryRoot)/deploy/template.yaml"
        let arguments = String(decoding: try JSONSerialization.data(withJSONObject: parameters), as: UTF8.self)
        let result = try await runCommand(testPython, testPythonPrefix + ["-c", Self.evaluator, template, arguments],
                                          environment: ["PYTHONPATH": bootstrapPythonPath])
        #expect(result.status == 0, "\(result.output)")
        let names = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String])
        #expect(names == (refused ? ["PublicUrlNeedsAToken"] : []), "\(result.output)")
    }
}
