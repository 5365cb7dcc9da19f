package dev.reprise.deploy;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container image as app/pom.xml's profile {@code image} declares it (Jib's {@code container} settings), and the
 * places deploy/container/runtime.sh makes in it. deploy/container/check-image.sh checks the built image itself.
 */
record ImageConfig(List<String> entrypoint, String user, Map<String, String> environment, List<String> ports,
                   List<String> volumes, String appRoot) {
    static final Path POM = DeployManifestsTest.ROOT.resolve("app/pom.xml");
    static final Path RUNTIME_SCRIPT = DeployManifestsTest.DEPLOY.resolve("container/runtime.sh");
    /** Where the Kubernetes files mount the contract, and where a team's jars go. */
    static final String CONTRACTS = "/opt/reprise/contracts";
    static final String PLUGINS = "/opt/reprise/plugins";

    static ImageConfig read() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(POM.toFile());
        Node container = (Node) XPathFactory.newInstance().newXPath().evaluate(
                "/project/profiles/profile[id='image']/build/plugins/plugin[artifactId='jib-maven-plugin']/configuration/container",
                pom, XPathConstants.NODE);
        if (container == null) {
            throw new AssertionError("app/pom.xml has no profile image with Jib's container settings");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Element e : children(child((Element) container, "environment"))) {
            env.put(e.getTagName(), e.getTextContent().trim());
        }
        return new ImageConfig(texts((Element) container, "entrypoint"), child((Element) container, "user").getTextContent().trim(), env,
                texts((Element) container, "ports"), texts((Element) container, "volumes"),
                child((Element) container, "appRoot").getTextContent().trim());
    }

    private static Element child(Element parent, String name) {
        NodeList list = parent.getElementsByTagName(name);
        if (list.getLength() != 1) {
            throw new AssertionError("Jib's container settings need exactly one <" + name + ">");
        }
        return (Element) list.item(0);
    }

    private static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    private static List<String> texts(Element container, String name) {
        return children(child(container, name)).stream().map(e -> e.getTextContent().trim()).toList();
    }
}
